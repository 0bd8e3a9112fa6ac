import { ParseError } from "./parse-error.ts";

/**
 * One linear pass over an XML document's prolog: the XML declaration, processing instructions,
 * comments and the DOCTYPE (with its internal subset), up to the root element. Regexes with lazy
 * `[\s\S]*?` look the same but go quadratic on hostile input (thousands of unterminated `<!--`);
 * here every search starts where the previous one ended, and anything unterminated is an error.
 */
export interface XmlProlog {
  /** Name of the root element. */
  root: string;
  /** Where the root element's `<` is. */
  rootStart: number;
  /** The DOCTYPE declaration's [start, end) when there is one. */
  doctype?: [number, number];
}

const NAME = /[A-Za-z_][\w.:-]*/y;

function endOf(text: string, from: number, token: string, what: string): number {
  const at = text.indexOf(token, from);
  if (at === -1) throw new ParseError(`XML input has an unterminated ${what}`, undefined, `offset ${from}`);
  return at + token.length;
}

/** The end of a DOCTYPE starting at `start`: past `]` … `>` when it has an internal subset. */
function doctypeEnd(text: string, start: number): number {
  let i = start + 9; // "<!DOCTYPE"
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === ">") return i + 1;
    if (c === "[") {
      const close = endOf(text, i + 1, "]", "DOCTYPE internal subset");
      return endOf(text, close, ">", "DOCTYPE");
    }
    if (c === '"' || c === "'") i = endOf(text, i + 1, c, "DOCTYPE literal") - 1;
  }
  throw new ParseError("XML input has an unterminated DOCTYPE", undefined, `offset ${start}`);
}

export function readProlog(text: string): XmlProlog {
  let doctype: [number, number] | undefined;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt === -1) break;
    if (text.startsWith("<?", lt)) {
      i = endOf(text, lt + 2, "?>", "processing instruction");
    } else if (text.startsWith("<!--", lt)) {
      i = endOf(text, lt + 4, "-->", "comment");
    } else if (text.slice(lt, lt + 9).toUpperCase() === "<!DOCTYPE") {
      const end = doctypeEnd(text, lt);
      doctype ??= [lt, end];
      i = end;
    } else {
      NAME.lastIndex = lt + 1;
      const name = NAME.exec(text)?.[0];
      if (!name) throw new ParseError("XML input has no root element", undefined, `offset ${lt}`);
      return { root: name, rootStart: lt, ...(doctype ? { doctype } : {}) };
    }
  }
  throw new ParseError("XML input has no root element");
}

/**
 * `readProlog` of the document in `bytes`, with byte offsets. Only a prefix is decoded, as
 * Latin-1 (one char a byte, so offsets are byte offsets; markup is ASCII), and more only when the
 * prolog is longer: the document itself is never decoded whole.
 */
export function readPrologOf(bytes: Buffer): XmlProlog {
  for (let size = 64 * 1024; ; size *= 16) {
    const whole = size >= bytes.length;
    try {
      const prolog = readProlog(bytes.toString("latin1", 0, Math.min(size, bytes.length)));
      // a root name cut by the prefix's end is read again from a longer one
      if (whole || prolog.rootStart + 1 + prolog.root.length < size) return prolog;
    } catch (error) {
      if (whole) throw error;
    }
  }
}
