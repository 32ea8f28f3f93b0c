// The system tools, listed for tools/index.ts.
import type { Tool } from "../../types";

export const SYSTEM_TOOLS: Tool[] = [];
