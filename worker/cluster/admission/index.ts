// The admission plugins in kube-apiserver's order. Mutating phases run in this order, then
// validating ones in this order.
import type { AdmissionPlugin } from "./plugin";
import { podSecurity } from "./podSecurity";
import { priorityAdmission } from "./priority";
import { rbacEscalation } from "./rbacEscalation";

export const ADMISSION: readonly AdmissionPlugin[] = [priorityAdmission, podSecurity, rbacEscalation];
