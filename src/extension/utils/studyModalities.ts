/** Modalities SPA segments. */
export const SPA_MODALITIES = ['CT', 'MR'] as const;

export interface StudyCheck {
  valid: boolean;
  description: string;
}

/**
 * Whether SPA can work on a study with these modalities (case-insensitive, duplicates and
 * blanks ignored), with a sentence that says why for the user.
 */
export function checkStudyModalities(modalities: readonly string[]): StudyCheck {
  const list = [...new Set(modalities.map(m => m.trim().toUpperCase()).filter(Boolean))];
  const match = list.find(m => (SPA_MODALITIES as readonly string[]).includes(m));
  if (match) return { valid: true, description: `SPA can segment the ${match} images of this study` };
  return {
    valid: false,
    description: list.length
      ? `SPA segments CT or MR images; this study has only ${list.join(', ')}`
      : 'SPA segments CT or MR images; this study lists no modality',
  };
}
