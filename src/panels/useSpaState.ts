import { useEffect, useState } from 'react';
import type SpaService from '../extension/services/SpaService';
import type { SpaState } from '../extension/services/SpaService';

/** Current SpaService state; re-renders on every change, unsubscribes on unmount. */
export default function useSpaState(spaService: SpaService): Readonly<SpaState> {
  const [state, setState] = useState(() => spaService.getState());
  useEffect(() => {
    setState(spaService.getState());
    const subscription = spaService.subscribe(spaService.EVENTS.STATE_CHANGED, (next: SpaState) => setState(next));
    return () => subscription.unsubscribe();
  }, [spaService]);
  return state;
}
