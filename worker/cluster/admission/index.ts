// The admission plugins in kube-apiserver's order. Mutating phases run in this order, then
// validating ones in this order.
import { limitRanger } from "./limitRanger";
import { defaultStorageClass } from "./defaultStorageClass";
import { storageObjectInUseProtection } from "./storageObjectInUseProtection";
import { persistentVolumeClaimResize } from "./persistentVolumeClaimResize";
import type { AdmissionPlugin } from "./plugin";
import { podSecurity } from "./podSecurity";
import { priorityAdmission } from "./priority";
import { rbacEscalation } from "./rbacEscalation";
import { resourceQuotaAdmission } from "./resourceQuota";
import { validatingAdmissionPolicy } from "./admissionPolicy";
import { mutatingAdmissionWebhook, validatingAdmissionWebhook } from "./webhooks";

export const ADMISSION: readonly AdmissionPlugin[] = [limitRanger, priorityAdmission, defaultStorageClass, storageObjectInUseProtection, persistentVolumeClaimResize, podSecurity, rbacEscalation, mutatingAdmissionWebhook, validatingAdmissionPolicy, validatingAdmissionWebhook, resourceQuotaAdmission];
