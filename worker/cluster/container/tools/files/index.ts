// The files tools, listed for tools/index.ts.
import type { Tool } from "../../types";

export const FILE_TOOLS: Tool[] = [];
