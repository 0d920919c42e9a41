import type { ConfigBundle } from '@hcc/proto';
import { FlowReferenceError } from './errors.ts';
import type { PromptRef } from './ports.ts';

/**
 * Picks the prompt file for a language: an exact match, then the same primary language
 * ("nl" for "nl-BE"), then the first variant.
 */
export function resolvePrompt(bundle: ConfigBundle, promptId: string, language: string): PromptRef {
  const p = bundle.prompts.find((x) => x.id === promptId);
  const first = p?.variants[0];
  if (!p || !first) throw new FlowReferenceError('prompt not found', `prompts.${promptId}`);
  const lang = language.toLowerCase();
  const primary = lang.split('-')[0];
  const v =
    p.variants.find((x) => x.language.toLowerCase() === lang) ??
    p.variants.find((x) => x.language.toLowerCase().split('-')[0] === primary) ??
    first;
  return { promptId, path: v.path, language: v.language };
}
