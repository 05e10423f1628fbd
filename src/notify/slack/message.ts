// A notification as a Slack message (Block Kit): a fallback `text` (what Slack shows in the
// notification itself), a header with the state's emoji, a section whose fields are the facts
// (job, what happened, error, size and duration, last success), a reports' body, a context line
// with the host and time, and a link to the dashboard when the notification has a URL. The link
// is mrkdwn, not a button: a button sent by an incoming webhook expects an interactive endpoint,
// and Slack marks its click with a warning when there is none.
//
// Everything from the notification is escaped (&, <, >), so an error message cannot mention
// @channel or forge a link, and cut to Slack's limits (block-kit.ts) after escaping.

import { describe, truncate } from '../format.ts';
import type { Notification } from '../types.ts';
import { LIMITS } from './block-kit.ts';

type TextObject = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string; verbatim?: boolean };
export type Block =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

export interface SlackPayload {
  text: string;
  blocks: Block[];
  unfurl_links: boolean;
  unfurl_media: boolean;
}

/** Slack's three control characters in mrkdwn. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped and cut to `max` without leaving half an entity. */
function mrkdwn(raw: string, max: number): string {
  const escaped = escapeMrkdwn(raw);
  if (escaped.length <= max) return escaped;
  return `${truncate(escaped, max).slice(0, -1).replace(/&[a-z]*$/, '')}\u2026`;
}

function plain(raw: string, max: number): TextObject {
  return { type: 'plain_text', text: truncate(raw, max) || ' ', emoji: true };
}

const md = (text: string): TextObject => ({ type: 'mrkdwn', text });

/** Text for a code block: a fence inside it would end the block. */
function fenced(raw: string, max: number): string {
  const body = mrkdwn(raw.replace(/```/g, '`\u200B``'), max - 8);
  return `\`\`\`\n${body}\n\`\`\``;
}

export function slackMessage(n: Notification): SlackPayload {
  const d = describe(n);
  const blocks: Block[] = [{ type: 'header', text: plain(`${d.emoji} ${d.headline}`, LIMITS.headerText) }];

  if (n.type === 'report' && n.report) {
    blocks.push({ type: 'section', text: md(mrkdwn(d.summary, LIMITS.sectionText)) });
    // Room for the header, summary, context and link.
    const room = LIMITS.blocks - 5;
    const chunks = chunkLines(n.report.text, LIMITS.sectionText - 200);
    for (const chunk of chunks.slice(0, room)) blocks.push({ type: 'section', text: md(fenced(chunk, LIMITS.sectionText)) });
    if (chunks.length > room) blocks.push({ type: 'section', text: md(`_${chunks.length - room} more part(s) of the report left out; the email or the dashboard has it all._`) });
  } else {
    if (n.type === 'test' || d.facts.length === 0) blocks.push({ type: 'section', text: md(mrkdwn(d.summary, LIMITS.sectionText)) });
    const facts = d.error ? [...d.facts, { label: 'Error', value: d.error }] : d.facts;
    if (facts.length > 0 && n.type !== 'test') {
      blocks.push({
        type: 'section',
        fields: facts.slice(0, LIMITS.fields).map((f) => md(`*${escapeMrkdwn(f.label)}*\n${mrkdwn(f.value, LIMITS.fieldText - f.label.length - 8)}`)),
      });
    }
  }

  if (n.url && /^https?:\/\//.test(n.url) && n.url.length < 2000) {
    blocks.push({ type: 'section', text: md(`<${linkTarget(n.url)}|Open in Lifeboat \u2192>`) });
  }
  blocks.push({ type: 'context', elements: [md(mrkdwn(`lifeboat on ${n.host}`, LIMITS.textObject)), md(slackDate(n.at))] });

  const line = d.error ?? d.summary;
  const fallback = `${d.emoji} ${d.headline}${line && line !== d.headline ? ` \u2014 ${line}` : ''}`;
  return { text: mrkdwn(fallback, LIMITS.sectionText), blocks, unfurl_links: false, unfurl_media: false };
}

/** A URL inside `<…|…>`: the characters that would end the link are percent-encoded. */
function linkTarget(url: string): string {
  return url.replace(/[<>|\s]/g, (c) => encodeURIComponent(c)).replace(/&/g, '&amp;');
}

/** Slack's date token: shown in each reader's time zone, with a UTC fallback. */
function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return mrkdwn(iso, 200);
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} at {time}|${fallback}>`;
}

/** Splits text into pieces of at most `max` characters, at line ends where possible. */
export function chunkLines(text: string, max: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    const pieces = line.length > max ? line.match(new RegExp(`[^]{1,${max}}`, 'g'))! : [line];
    for (const piece of pieces) {
      if (current && current.length + 1 + piece.length > max) {
        chunks.push(current);
        current = piece;
      } else current = current ? `${current}\n${piece}` : piece;
    }
  }
  if (current.trim()) chunks.push(current);
  return chunks.length ? chunks : ['(empty report)'];
}
