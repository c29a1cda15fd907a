/** What every signed-in screen needs: the API, the staff member and sign-out. */

import { createContext, type ReactNode, useContext } from 'react';

import type { DeskApi } from './api/desk';
import type { Me } from './api/types';

export interface Desk {
  readonly api: DeskApi;
  readonly me: Me;
  readonly signOut: () => void;
}

const DeskContext = createContext<Desk | null>(null);

export function DeskProvider({ desk, children }: { readonly desk: Desk; readonly children: ReactNode }) {
  return <DeskContext.Provider value={desk}>{children}</DeskContext.Provider>;
}

export function useDesk(): Desk {
  const value = useContext(DeskContext);
  if (value === null) {
    throw new Error('useDesk outside DeskProvider');
  }
  return value;
}
