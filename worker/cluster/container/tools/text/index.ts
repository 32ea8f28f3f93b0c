// The text tools, listed for tools/index.ts.
import type { Tool } from "../../types";
import { echo } from "./echo";
import { grep } from "./grep";
import { head } from "./head";
import { printf } from "./printf";
import { tail } from "./tail";

export const TEXT_TOOLS: Tool[] = [echo, printf, head, tail, grep];
