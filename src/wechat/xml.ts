/**
 * WeChat's callback XML: one `<xml>` root of elements holding text or CDATA, a few nested a level
 * or two (ScanCodeInfo, SendPicsInfo/PicList/item). Parsed strictly by hand rather than by a
 * general XML library: no DTD, no entity declarations, no processing instructions or comments,
 * only the five predefined entities and numeric references, bounded size and depth.
 */

export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

export class XmlRefused extends Error {
  constructor(reason: string) {
    super(`malformed XML: ${reason}`);
    this.name = 'XmlRefused';
  }
}

export const MAX_XML_BYTES = 64 * 1024;
const MAX_DEPTH = 6;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The children of the root element, whatever its name (`xml` for WeChat). */
export function parseFlatXml(text: string): XmlObject {
  if (Buffer.byteLength(text, 'utf8') > MAX_XML_BYTES) throw new XmlRefused('too large');
  let pos = 0;
  const rest = () => text.slice(pos);
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  skipSpace();
  if (text.startsWith('<?xml', pos)) {
    const end = text.indexOf('?>', pos);
    if (end < 0) throw new XmlRefused('unterminated declaration');
    pos = end + 2;
    skipSpace();
  }

  const readName = (): string => {
    const m = NAME.exec(rest());
    if (!m) throw new XmlRefused('bad element name');
    pos += m[0].length;
    return m[0];
  };

  const readElement = (depth: number): { name: string; value: XmlValue } => {
    if (depth > MAX_DEPTH) throw new XmlRefused('nested too deeply');
    if (text[pos] !== '<') throw new XmlRefused('expected an element');
    pos++;
    const name = readName();
    skipSpace();
    if (text.startsWith('/>', pos)) {
      pos += 2;
      return { name, value: '' };
    }
    if (text[pos] !== '>') throw new XmlRefused('attributes are not expected');
    pos++;
    let textValue = '';
    const children: XmlObject = {};
    let hasChildren = false;
    for (;;) {
      if (pos >= text.length) throw new XmlRefused(`unterminated <${name}>`);
      if (text.startsWith('<![CDATA[', pos)) {
        const end = text.indexOf(']]>', pos);
        if (end < 0) throw new XmlRefused('unterminated CDATA');
        textValue += text.slice(pos + 9, end);
        pos = end + 3;
      } else if (text.startsWith('</', pos)) {
        pos += 2;
        const closing = readName();
        skipSpace();
        if (closing !== name || text[pos] !== '>') throw new XmlRefused(`mismatched </${closing}>`);
        pos++;
        if (hasChildren) {
          if (textValue.trim() !== '') throw new XmlRefused(`mixed content in <${name}>`);
          return { name, value: children };
        }
        return { name, value: textValue };
      } else if (text.startsWith('<!', pos) || text.startsWith('<?', pos)) {
        throw new XmlRefused('declarations, comments and processing instructions are refused');
      } else if (text[pos] === '<') {
        const child = readElement(depth + 1);
        hasChildren = true;
        const existing = children[child.name];
        if (existing === undefined) children[child.name] = child.value;
        else if (Array.isArray(existing) && child.name === 'item') existing.push(child.value);
        else if (child.name === 'item') children[child.name] = [existing, child.value];
        else throw new XmlRefused(`<${child.name}> appears twice`);
      } else {
        const next = text.indexOf('<', pos);
        if (next < 0) throw new XmlRefused(`unterminated <${name}>`);
        textValue += decodeEntities(text.slice(pos, next));
        pos = next;
      }
    }
  };

  const root = readElement(0);
  skipSpace();
  if (pos !== text.length) throw new XmlRefused('content after the root element');
  if (typeof root.value === 'string') {
    if (root.value.trim() !== '') throw new XmlRefused('the root holds no elements');
    return {};
  }
  return root.value as XmlObject;
}

function decodeEntities(raw: string): string {
  return raw.replace(/&([^;&\s]{0,10});|&/g, (_whole, ref: string | undefined) => {
    if (ref === undefined) throw new XmlRefused('bare &');
    if (ENTITIES[ref] !== undefined) return ENTITIES[ref];
    const numeric = /^#(x[0-9A-Fa-f]{1,6}|[0-9]{1,7})$/.exec(ref);
    if (numeric) {
      const code = numeric[1]!.startsWith('x') ? parseInt(numeric[1]!.slice(1), 16) : parseInt(numeric[1]!, 10);
      if (code > 0x10ffff || code === 0) throw new XmlRefused('bad character reference');
      return String.fromCodePoint(code);
    }
    throw new XmlRefused(`unknown entity &${ref};`);
  });
}

/** Flat reply XML, every text in CDATA (split where the text itself contains `]]>`). */
export function buildFlatXml(fields: Record<string, string | number>): string {
  const parts = Object.entries(fields).map(([name, value]) => {
    if (!NAME.test(name)) throw new Error(`bad XML element name ${name}`);
    return typeof value === 'number' ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]></${name}>`;
  });
  return `<xml>${parts.join('')}</xml>`;
}

/** The text of a top-level field, or null when missing or not text. */
export function textField(doc: XmlObject, name: string): string | null {
  const v = doc[name];
  return typeof v === 'string' ? v : null;
}
