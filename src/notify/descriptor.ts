// One descriptor per channel type (src/notify/<type>/index.ts): how to build the channel from its
// config. registry.ts is the only list of them. A descriptor imports nothing heavy at the top:
// the email channel loads nodemailer when it first sends.

import type { ChannelConfig, ChannelType } from './schemas.ts';
import type { Channel } from './types.ts';

export type NamedChannelConfig<T extends ChannelType = ChannelType> = Extract<ChannelConfig, { type: T }> & { name: string };

export interface ChannelDescriptor<T extends ChannelType> {
  type: T;
  create(config: NamedChannelConfig<T>): Channel;
}

export function defineChannel<T extends ChannelType>(descriptor: ChannelDescriptor<T>): ChannelDescriptor<T> {
  return descriptor;
}
