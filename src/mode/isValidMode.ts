import { SPA_MODALITIES } from './constants';

export interface ModeValidity {
  valid: boolean;
  description: string;
}

/**
 * SPA segments CT and MR images: a study is valid when it has at least one CT or MR
 * series. `modalities` is the study's ModalitiesInStudy, backslash-separated.
 */
export default function isValidMode({ modalities }: { modalities?: string }): ModeValidity {
  const list = (modalities ?? '')
    .split('\\')
    .map(m => m.trim().toUpperCase())
    .filter(Boolean);
  const match = list.find(m => (SPA_MODALITIES as readonly string[]).includes(m));
  if (match) return { valid: true, description: `SPA can segment the ${match} images of this study` };
  return {
    valid: false,
    description: list.length
      ? `SPA segments CT or MR images; this study has only ${list.join(', ')}`
      : 'SPA segments CT or MR images; this study lists no modality',
  };
}
