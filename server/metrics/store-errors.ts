import { onStoreError, StoreUnavailableError } from '../store/unavailable';
import type { DeviceStore } from '../store/types';
import type { Metrics } from './metrics';

/** The same store, every failed call counted (ringkit_store_errors_total). */
export function countStoreErrors(store: DeviceStore, metrics: Metrics): DeviceStore {
  return onStoreError(store, (err) => {
    metrics.storeError(err instanceof StoreUnavailableError ? 'unavailable' : 'other');
    return err;
  });
}
