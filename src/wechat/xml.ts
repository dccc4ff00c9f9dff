/**
 * WeChat's callback XML: one `<xml>` root of elements holding text or CDATA, a few nested a level
 * or two (ScanCodeInfo, SendPicsInfo/PicList/item). Parsed strictly by hand rather than by a
 * general XML library: no DTD, no entity declarations, no processing instructions or comments,
 * only the five predefined entities and numeric references, bounded size and depth. fast-xml-parser
 * was measured 4-14 times slower on real callbacks and expands DOCTYPE entities (docs/performance.md).
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
// Sticky twin of NAME: matched in place at the cursor, never on a copy of the rest of the text.
const NAME_AT = /[A-Za-z_][A-Za-z0-9_.-]{0,63}/y;
const SPACE_AT = /\s*/y;
// A Map: `&constructor;` must not find Object.prototype's members.
const ENTITIES = new Map<string, string>([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

/** The children of the root element, whatever its name (`xml` for WeChat). */
export function parseFlatXml(text: string): XmlObject {
  if (text.length > MAX_XML_BYTES || Buffer.byteLength(text, 'utf8') > MAX_XML_BYTES) throw new XmlRefused('too large');
  const cursor = new XmlCursor(text);
  cursor.skipSpace();
  if (text.startsWith('<?xml', cursor.pos)) {
    const end = text.indexOf('?>', cursor.pos);
    if (end < 0) throw new XmlRefused('unterminated declaration');
    cursor.pos = end + 2;
    cursor.skipSpace();
  }
  const root = cursor.readElement(0);
  cursor.skipSpace();
  if (cursor.pos !== text.length) throw new XmlRefused('content after the root element');
  if (typeof root.value === 'string') {
    if (root.value.trim() !== '') throw new XmlRefused('the root holds no elements');
    return {};
  }
  return root.value as XmlObject;
}

/** A position in the text and the grammar above, read forward only (callbacks are on the hot path). */
class XmlCursor {
  pos = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    SPACE_AT.lastIndex = this.pos;
    SPACE_AT.exec(this.text);
    this.pos = SPACE_AT.lastIndex;
  }

  readName(): string {
    NAME_AT.lastIndex = this.pos;
    const m = NAME_AT.exec(this.text);
    if (!m) throw new XmlRefused('bad element name');
    this.pos += m[0].length;
    return m[0];
  }

  readElement(depth: number): { name: string; value: XmlValue } {
    const { text } = this;
    if (depth > MAX_DEPTH) throw new XmlRefused('nested too deeply');
    if (text[this.pos] !== '<') throw new XmlRefused('expected an element');
    this.pos++;
    const name = this.readName();
    this.skipSpace();
    if (text.startsWith('/>', this.pos)) {
      this.pos += 2;
      return { name, value: '' };
    }
    if (text[this.pos] !== '>') throw new XmlRefused('attributes are not expected');
    this.pos++;
    let textValue = '';
    // Null prototype: an element named `__proto__` or `constructor` is a child like any other.
    const children: XmlObject = Object.create(null) as XmlObject;
    let hasChildren = false;
    for (;;) {
      if (this.pos >= text.length) throw new XmlRefused(`unterminated <${name}>`);
      if (text.startsWith('<![CDATA[', this.pos)) {
        const end = text.indexOf(']]>', this.pos);
        if (end < 0) throw new XmlRefused('unterminated CDATA');
        textValue += text.slice(this.pos + 9, end);
        this.pos = end + 3;
      } else if (text.startsWith('</', this.pos)) {
        this.pos += 2;
        const closing = this.readName();
        this.skipSpace();
        if (closing !== name || text[this.pos] !== '>') throw new XmlRefused(`mismatched </${closing}>`);
        this.pos++;
        if (hasChildren) {
          if (textValue.trim() !== '') throw new XmlRefused(`mixed content in <${name}>`);
          return { name, value: children };
        }
        return { name, value: textValue };
      } else if (text.startsWith('<!', this.pos) || text.startsWith('<?', this.pos)) {
        throw new XmlRefused('declarations, comments and processing instructions are refused');
      } else if (text[this.pos] === '<') {
        const child = this.readElement(depth + 1);
        hasChildren = true;
        const existing = children[child.name];
        if (existing === undefined) children[child.name] = child.value;
        else if (Array.isArray(existing) && child.name === 'item') existing.push(child.value);
        else if (child.name === 'item') children[child.name] = [existing, child.value];
        else throw new XmlRefused(`<${child.name}> appears twice`);
      } else {
        const next = text.indexOf('<', this.pos);
        if (next < 0) throw new XmlRefused(`unterminated <${name}>`);
        const raw = text.slice(this.pos, next);
        textValue += raw.includes('&') ? decodeEntities(raw) : raw;
        this.pos = next;
      }
    }
  }
}

function decodeEntities(raw: string): string {
  return raw.replace(/&([^;&\s]{0,10});|&/g, (_whole, ref: string | undefined) => {
    if (ref === undefined) throw new XmlRefused('bare &');
    const named = ENTITIES.get(ref);
    if (named !== undefined) return named;
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
