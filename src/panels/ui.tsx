import React from 'react';

/** A visible focus ring in OHIF's primary colour for SPA's controls (injected once). */
const FOCUS_CSS = `
.spa-control:focus-visible { outline: 2px solid hsl(var(--primary, 214 100% 60%)); outline-offset: 2px; }
.spa-control:disabled { opacity: 0.45; cursor: not-allowed; }
`;

export function useFocusStyle(): void {
  React.useEffect(() => {
    if (document.getElementById('spa-focus-style')) return;
    const style = document.createElement('style');
    style.id = 'spa-focus-style';
    style.textContent = FOCUS_CSS;
    document.head.appendChild(style);
  }, []);
}

type ButtonProps = React.ButtonHTMLAttributes<HTMLButtonElement> & { variant?: 'primary' | 'secondary' | 'ghost' };

const VARIANTS = {
  primary: 'bg-primary text-primary-foreground hover:bg-primary/80',
  secondary: 'bg-muted text-foreground hover:bg-primary/25',
  ghost: 'text-primary hover:bg-primary/25',
};

/** A small button in OHIF's look (its theme colours, rounded, compact). */
export function SpaButton({ variant = 'secondary', className = '', ...props }: ButtonProps) {
  return <button type="button" className={`spa-control rounded px-2 py-1 text-sm ${VARIANTS[variant]} ${className}`} {...props} />;
}

/** A titled block of the panel. */
export function Section({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) {
  return (
    <section data-testid={testId} className="flex flex-col gap-2 border-t border-input pt-2">
      <h3 className="text-muted-foreground text-xs uppercase">{title}</h3>
      {children}
    </section>
  );
}
