/**
 * Atlassian Document Format, the rich text of Jira Cloud v3 descriptions and comments. Only the
 * nodes we use; text nodes must be non-empty (the ADF schema's minLength 1).
 */
export interface AdfNode {
  type: string;
  text?: string;
  attrs?: Record<string, unknown>;
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>;
  content?: AdfNode[];
}

export interface AdfDoc {
  type: "doc";
  version: 1;
  content: AdfNode[];
}

function text(value: string, marks?: AdfNode["marks"]): AdfNode[] {
  return value ? [{ type: "text", text: value, ...(marks ? { marks } : {}) }] : [];
}

export const adf = {
  doc: (...content: AdfNode[]): AdfDoc => ({ type: "doc", version: 1, content }),
  heading: (level: number, value: string): AdfNode => ({
    type: "heading",
    attrs: { level },
    content: text(value),
  }),
  paragraph: (...parts: Array<string | AdfNode>): AdfNode => ({
    type: "paragraph",
    content: parts.flatMap((p) => (typeof p === "string" ? text(p) : [p])),
  }),
  strong: (value: string): AdfNode => ({ type: "text", text: value || " ", marks: [{ type: "strong" }] }),
  code: (value: string): AdfNode => ({ type: "text", text: value || " ", marks: [{ type: "code" }] }),
  link: (value: string, href: string): AdfNode => ({
    type: "text",
    text: value || href,
    marks: [{ type: "link", attrs: { href } }],
  }),
  bullets: (items: Array<Array<string | AdfNode>>): AdfNode => ({
    type: "bulletList",
    content: items.map((parts) => ({ type: "listItem", content: [adf.paragraph(...parts)] })),
  }),
};
