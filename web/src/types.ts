// The management API's shapes the dashboard reads (see the API contract).
export interface ClusterSummary {
  id: string;
  name: string;
  server: string;
  createdAt: string;
}
export interface ClusterDetail extends ClusterSummary {
  nodes: { name: string; role: string; running: boolean }[];
  now: string;
  speed: number;
  offsetSeconds: number;
  alarm: string | null;
}
export interface TemplateSummary {
  name: string;
  description?: string;
  builtIn: boolean;
  nodes?: Record<string, number>;
  objects?: number;
  tasks?: number;
  createdAt: string | null;
}
export interface Sandbox {
  id: string;
  cluster: string;
  clusterId: string;
  template: string;
  owner?: string | null;
  role?: string;
  class?: string | null;
  seat?: string | null;
  expiresAt: string;
  createdAt: string;
  token?: string;
  kubeconfig?: string;
}
export interface ClassSummary {
  id: string;
  name: string;
  template: string;
  role?: string;
  seats: number;
  expiresAt: string;
  createdAt: string;
}
export interface TaskResult {
  name: string;
  title: string;
  passed: boolean;
  checks: { title: string; passed: boolean; message: string }[];
}
export interface ClassProgress {
  id: string;
  name: string;
  template: string;
  tasks: { name: string; title: string }[];
  seats: { name: string; cluster: string; tasks: TaskResult[]; done: number }[];
}
