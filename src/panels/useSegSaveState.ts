import { useEffect, useState } from 'react';
import type SegSaveService from '../extension/seg/SegSaveService';
import type { SegSaveState } from '../extension/seg/SegSaveService';

/**
 * Current save state; re-renders on every change. While mounted it has the service
 * follow segmentation changes; both subscriptions end on unmount.
 */
export default function useSegSaveState(segSaveService: SegSaveService): Readonly<SegSaveState> {
  const [state, setState] = useState(() => segSaveService.getState());
  useEffect(() => {
    const subscription = segSaveService.subscribe(segSaveService.EVENTS.STATE_CHANGED, (next: SegSaveState) => setState(next));
    const stopTracking = segSaveService.track();
    setState(segSaveService.getState());
    return () => {
      stopTracking();
      subscription.unsubscribe();
    };
  }, [segSaveService]);
  return state;
}
