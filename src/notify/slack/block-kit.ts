// The rules of Slack's Block Kit for the parts our messages use (header, section, context and
// divider blocks; plain_text and mrkdwn text objects), from Slack's reference
// (docs.slack.dev/reference/block-kit): a message holds at most 50 blocks; a header's text is
// plain_text of at most 150 characters; a section has text (at most 3000) or fields (at most 10,
// each at most 2000); a context has 1 to 10 elements; a text object's text is 1 to 3000
// characters, `emoji` only on plain_text, `verbatim` only on mrkdwn; block_id at most 255 and
// unique in the message. Slack refuses a message that breaks them (400 invalid_blocks), so every
// message shape is tested against this, and anything we do not use is reported as unexpected.

export const LIMITS = {
  blocks: 50,
  messageText: 40_000,
  blockId: 255,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  textObject: 3000,
} as const;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every rule the payload breaks, as `path: problem`; empty when Slack would accept it. */
export function validateBlockKit(payload: unknown): string[] {
  const problems: string[] = [];
  const fail = (path: string, message: string) => problems.push(`${path}: ${message}`);

  function keys(obj: Json, path: string, allowed: string[]): void {
    for (const k of Object.keys(obj)) if (!allowed.includes(k)) fail(`${path}.${k}`, 'unexpected field');
  }

  function textObject(v: unknown, path: string, max: number, only?: 'plain_text'): void {
    if (!isObject(v)) return void fail(path, 'expected a text object');
    keys(v, path, ['type', 'text', 'emoji', 'verbatim']);
    if (v.type !== 'plain_text' && v.type !== 'mrkdwn') fail(`${path}.type`, 'must be plain_text or mrkdwn');
    if (only && v.type !== only) fail(`${path}.type`, `must be ${only}`);
    if (typeof v.text !== 'string') fail(`${path}.text`, 'expected a string');
    else if (v.text.length < 1) fail(`${path}.text`, 'must not be empty');
    else if (v.text.length > max) fail(`${path}.text`, `${v.text.length} characters, at most ${max}`);
    if ('emoji' in v && (v.type !== 'plain_text' || typeof v.emoji !== 'boolean')) fail(`${path}.emoji`, 'only a boolean, only on plain_text');
    if ('verbatim' in v && (v.type !== 'mrkdwn' || typeof v.verbatim !== 'boolean')) fail(`${path}.verbatim`, 'only a boolean, only on mrkdwn');
  }

  if (!isObject(payload)) return ['payload: expected an object'];
  keys(payload, 'payload', ['text', 'blocks', 'unfurl_links', 'unfurl_media']);
  // Slack shows `text` in notifications and where blocks cannot be shown: always send it.
  if (typeof payload.text !== 'string' || payload.text.trim() === '') fail('text', 'a fallback text is required');
  else if (payload.text.length > LIMITS.messageText) fail('text', `${payload.text.length} characters, at most ${LIMITS.messageText}`);
  if (payload.blocks === undefined) return problems;
  if (!Array.isArray(payload.blocks)) return [...problems, 'blocks: expected an array'];
  if (payload.blocks.length === 0) fail('blocks', 'must not be empty');
  if (payload.blocks.length > LIMITS.blocks) fail('blocks', `${payload.blocks.length} blocks, at most ${LIMITS.blocks}`);

  const ids = new Set<string>();
  payload.blocks.forEach((block: unknown, i: number) => {
    const path = `blocks[${i}]`;
    if (!isObject(block)) return void fail(path, 'expected an object');
    if ('block_id' in block) {
      if (typeof block.block_id !== 'string' || block.block_id.length === 0 || block.block_id.length > LIMITS.blockId) {
        fail(`${path}.block_id`, `a string of 1 to ${LIMITS.blockId} characters`);
      } else if (ids.has(block.block_id)) fail(`${path}.block_id`, 'must be unique in the message');
      else ids.add(block.block_id);
    }
    switch (block.type) {
      case 'header':
        keys(block, path, ['type', 'block_id', 'text']);
        textObject(block.text, `${path}.text`, LIMITS.headerText, 'plain_text');
        break;
      case 'section':
        keys(block, path, ['type', 'block_id', 'text', 'fields', 'expand']);
        if (block.text === undefined && block.fields === undefined) fail(path, 'needs text or fields');
        if (block.text !== undefined) textObject(block.text, `${path}.text`, LIMITS.sectionText);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length === 0) fail(`${path}.fields`, 'expected a non-empty array');
          else {
            if (block.fields.length > LIMITS.fields) fail(`${path}.fields`, `${block.fields.length} fields, at most ${LIMITS.fields}`);
            block.fields.forEach((f: unknown, j: number) => textObject(f, `${path}.fields[${j}]`, LIMITS.fieldText));
          }
        }
        if ('expand' in block && typeof block.expand !== 'boolean') fail(`${path}.expand`, 'expected a boolean');
        break;
      case 'context':
        keys(block, path, ['type', 'block_id', 'elements']);
        if (!Array.isArray(block.elements) || block.elements.length === 0) fail(`${path}.elements`, 'expected a non-empty array');
        else {
          if (block.elements.length > LIMITS.contextElements) fail(`${path}.elements`, `${block.elements.length} elements, at most ${LIMITS.contextElements}`);
          block.elements.forEach((e: unknown, j: number) => textObject(e, `${path}.elements[${j}]`, LIMITS.textObject));
        }
        break;
      case 'divider':
        keys(block, path, ['type', 'block_id']);
        break;
      default:
        fail(`${path}.type`, `unexpected block type ${JSON.stringify(block.type)}`);
    }
  });
  return problems;
}
