// The admission plugins in kube-apiserver's order. Mutating phases run in this order, then
// validating ones in this order.
import type { AdmissionPlugin } from "./plugin";

export const ADMISSION: readonly AdmissionPlugin[] = [];
