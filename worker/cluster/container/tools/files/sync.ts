// sync: nothing is ever unwritten here.
import type { Tool } from "../../types";

export const sync: Tool = {
  names: ["sync"],
  run: () => 0,
};
