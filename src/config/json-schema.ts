// The JSON Schema for editors (yaml-language-server, VS Code), generated from the zod definition.

import { z } from 'zod';
import { NAME_PATTERN, configObject, configSchema, jobsSchema, repositoriesSchema } from './schema.ts';

export const SCHEMA_ID = 'https://lifeboat.dev/schema/lifeboat.schema.json';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    target: 'draft-2020-12',
    override: (ctx) => {
      // Names are validated in semantics.ts (so bad names don't hide other problems); editors
      // still get the rule here.
      if (ctx.zodSchema === jobsSchema || ctx.zodSchema === repositoriesSchema) {
        ctx.jsonSchema.propertyNames = { pattern: NAME_PATTERN };
      }
      // Top-level `x-…` keys hold shared YAML anchors and are ignored by the loader.
      if (ctx.zodSchema === configObject) ctx.jsonSchema.patternProperties = { '^x-': {} };
    },
  }) as Record<string, unknown>;
  return { $schema: schema.$schema, $id: SCHEMA_ID, title: 'Lifeboat configuration', ...schema };
}

/** The committed file's exact text. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
