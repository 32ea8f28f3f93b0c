// Every command a container image can carry, by the name it is run as. Each family lives in its
// own folder (files/, text/, system/); adding a tool is adding its file and listing it there.
import type { Tool } from "../types";
import { FILE_TOOLS } from "./files";
import { SYSTEM_TOOLS } from "./system";
import { TEXT_TOOLS } from "./text";

const BY_NAME = new Map<string, Tool>();
for (const tool of [...FILE_TOOLS, ...TEXT_TOOLS, ...SYSTEM_TOOLS]) for (const name of tool.names) BY_NAME.set(name, tool);

/** The tool run by this name (argv[0]'s basename), if any image may have it. */
export function toolNamed(name: string): Tool | undefined {
  return BY_NAME.get(name);
}

/** Every tool name known, for image skeletons that carry "everything" (busybox's applet list is narrower). */
export function toolNames(): string[] {
  return [...BY_NAME.keys()].sort();
}
