// The text tools, listed for tools/index.ts.
import type { Tool } from "../../types";

export const TEXT_TOOLS: Tool[] = [];
