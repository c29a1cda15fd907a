/** A small History API router: a handful of screens do not need a routing library. */

import {
  type ComponentPropsWithRef,
  createContext,
  type MouseEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';

export type Route =
  | { readonly screen: 'worklist' }
  | { readonly screen: 'request'; readonly reference: string }
  | { readonly screen: 'citizen'; readonly citizenId: string }
  | { readonly screen: 'search' }
  | { readonly screen: 'newRequest' }
  | { readonly screen: 'accessLog' }
  | { readonly screen: 'reports' }
  | { readonly screen: 'advancedSearch' }
  | { readonly screen: 'segments' }
  | { readonly screen: 'segment'; readonly segmentId: string | null }
  | { readonly screen: 'campaigns' }
  | { readonly screen: 'campaign'; readonly campaignId: string | null }
  | { readonly screen: 'surveys' }
  | { readonly screen: 'survey'; readonly surveyId: string | null }
  | { readonly screen: 'surveyResults'; readonly surveyId: string }
  | { readonly screen: 'insights' }
  | { readonly screen: 'open311Apps' }
  | { readonly screen: 'missing' };

/** The path segment of the new-request form; no reference reads `new`. */
const NEW = 'new';

/** The screen a path shows. */
export function routeOf(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, ...rest] = parts;
  if (first === undefined) {
    return { screen: 'worklist' };
  }
  if (first === 'requests' && second === NEW && rest.length === 0) {
    return { screen: 'newRequest' };
  }
  if (first === 'requests' && second && rest.length === 0) {
    return { screen: 'request', reference: second };
  }
  if (first === 'citizens' && second && rest.length === 0) {
    return { screen: 'citizen', citizenId: second };
  }
  if (first === 'search' && second === undefined) {
    return { screen: 'search' };
  }
  if (first === 'access-log' && second === undefined) {
    return { screen: 'accessLog' };
  }
  if (first === 'reports' && second === undefined) {
    return { screen: 'reports' };
  }
  if (first === 'advanced-search' && second === undefined) {
    return { screen: 'advancedSearch' };
  }
  if (first === 'open311-apps' && second === undefined) {
    return { screen: 'open311Apps' };
  }
  return engageRouteOf(first, second, rest) ?? { screen: 'missing' };
}

/** The campaign side's screens: `/segments`, `/campaigns`, `/surveys` (each with `/new` and `/<id>`) and `/insights`. */
function engageRouteOf(first: string, second: string | undefined, rest: readonly string[]): Route | null {
  const id = second === NEW ? null : (second ?? null);
  if (first === 'segments' && rest.length === 0) {
    return second === undefined ? { screen: 'segments' } : { screen: 'segment', segmentId: id };
  }
  if (first === 'campaigns' && rest.length === 0) {
    return second === undefined ? { screen: 'campaigns' } : { screen: 'campaign', campaignId: id };
  }
  if (first === 'surveys' && second && id && rest.length === 1 && rest[0] === 'results') {
    return { screen: 'surveyResults', surveyId: id };
  }
  if (first === 'surveys' && rest.length === 0) {
    return second === undefined ? { screen: 'surveys' } : { screen: 'survey', surveyId: id };
  }
  if (first === 'insights' && second === undefined) {
    return { screen: 'insights' };
  }
  return null;
}

/** The path of each screen. */
export const paths = {
  worklist: (search = ''): string => `/${search}`,
  request: (reference: string): string => `/requests/${encodeURIComponent(reference)}`,
  /** The request a call or visit just opened, with the news of it. */
  loggedRequest: (reference: string): string => `/requests/${encodeURIComponent(reference)}?logged=1`,
  /** The form that logs a call or visit, for `citizenId` when given. */
  newRequest: (citizenId: string | null = null): string =>
    citizenId ? `/requests/${NEW}?${new URLSearchParams({ citizen: citizenId }).toString()}` : `/requests/${NEW}`,
  citizen: (citizenId: string): string => `/citizens/${encodeURIComponent(citizenId)}`,
  search: (search = ''): string => `/search${search}`,
  accessLog: (search = ''): string => `/access-log${search}`,
  reports: (search = ''): string => `/reports${search}`,
  advancedSearch: (search = ''): string => `/advanced-search${search}`,
  segments: (): string => '/segments',
  /** A segment's editor; a new segment's without an id. */
  segment: (id: string | null = null): string => `/segments/${id === null ? NEW : encodeURIComponent(id)}`,
  campaigns: (): string => '/campaigns',
  campaign: (id: string | null = null): string => `/campaigns/${id === null ? NEW : encodeURIComponent(id)}`,
  surveys: (): string => '/surveys',
  survey: (id: string | null = null): string => `/surveys/${id === null ? NEW : encodeURIComponent(id)}`,
  surveyResults: (id: string, campaignId: string | null = null): string =>
    `/surveys/${encodeURIComponent(id)}/results${campaignId ? `?${new URLSearchParams({ campaign: campaignId }).toString()}` : ''}`,
  insights: (search = ''): string => `/insights${search}`,
  open311Apps: (): string => '/open311-apps',
};

interface Navigation {
  readonly route: Route;
  readonly search: URLSearchParams;
  readonly navigate: (to: string, options?: { readonly replace?: boolean }) => void;
}

const RouterContext = createContext<Navigation | null>(null);

function here(): { pathname: string; search: string } {
  return { pathname: window.location.pathname, search: window.location.search };
}

export function Router({ children }: { readonly children: ReactNode }) {
  const [location, setLocation] = useState(here);
  useEffect(() => {
    const onPop = () => setLocation(here());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to: string, options: { readonly replace?: boolean } = {}) => {
    if (options.replace) {
      window.history.replaceState(null, '', to);
    } else {
      window.history.pushState(null, '', to);
    }
    setLocation(here());
  }, []);
  const value = useMemo(
    () => ({
      route: routeOf(location.pathname),
      search: new URLSearchParams(location.search),
      navigate,
    }),
    [location, navigate],
  );
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export function useNavigation(): Navigation {
  const value = useContext(RouterContext);
  if (value === null) {
    throw new Error('useNavigation outside Router');
  }
  return value;
}

function plainClick(event: MouseEvent<HTMLAnchorElement>): boolean {
  return event.button === 0 && !event.metaKey && !event.altKey && !event.ctrlKey && !event.shiftKey;
}

/** A link that changes screen without reloading; modified clicks still open a new tab. */
export function Link({
  to,
  children,
  ...rest
}: { readonly to: string; readonly children: ReactNode } & Omit<ComponentPropsWithRef<'a'>, 'href'>) {
  const { navigate } = useNavigation();
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(event);
    if (!event.defaultPrevented && plainClick(event)) {
      event.preventDefault();
      navigate(to);
    }
  };
  return (
    <a {...rest} href={to} onClick={onClick}>
      {children}
    </a>
  );
}
