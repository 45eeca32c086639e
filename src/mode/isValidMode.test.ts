import isValidMode from './isValidMode';

describe('isValidMode', () => {
  it.each(['CT', 'MR', 'CT\\SEG', 'SR\\MR', 'ct'])('accepts a study with modalities %s', modalities => {
    expect(isValidMode({ modalities }).valid).toBe(true);
  });

  it('refuses a study without CT or MR and names what it has', () => {
    const result = isValidMode({ modalities: 'PT\\SEG' });
    expect(result.valid).toBe(false);
    expect(result.description).toBe('SPA segments CT or MR images; this study has only PT, SEG');
  });

  it('refuses a study without modalities and says so', () => {
    expect(isValidMode({ modalities: '' })).toEqual({
      valid: false,
      description: 'SPA segments CT or MR images; this study lists no modality',
    });
  });
});
