import type { ChildProcess } from "node:child_process";

export interface Ready {
  url: string;
  port: number;
  tenant: string;
  cluster: string;
  kubeconfig: string;
  ca: string;
  adminTokenFile: string | null;
}
export function freePort(): Promise<number>;
export function startService(home: string, port: number, env?: Record<string, string | undefined>): Promise<{ child: ChildProcess; output: () => string; ready: Ready }>;
export function stopService(child: ChildProcess): Promise<void>;
