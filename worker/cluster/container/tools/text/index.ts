// The text tools, listed for tools/index.ts.
import type { Tool } from "../../types";
import { awk } from "./awk";
import { cut } from "./cut";
import { date } from "./date";
import { echo } from "./echo";
import { grep } from "./grep";
import { head } from "./head";
import { printf } from "./printf";
import { sed } from "./sed";
import { sort } from "./sort";
import { tail } from "./tail";
import { tr } from "./tr";
import { uniq } from "./uniq";
import { wc } from "./wc";

export const TEXT_TOOLS: Tool[] = [echo, printf, head, tail, grep, wc, sort, uniq, cut, tr, sed, awk, date];
