/**
 * Search results on a map of Barcelona, drawn as an inline SVG: no tile server, no map
 * library, nothing fetched. Points are projected from longitude and latitude
 * (equirectangular, longitude scaled by the city's latitude). The districts are shown as
 * labels at approximate centres, not as outlines: the project holds no district
 * polygons. Each marker is a link (keyboard-focusable, named for its request), and the
 * same results are listed below the map as text.
 */

import type { MouseEvent } from 'react';

import type { RequestSearchItem } from '../api/types';
import { districtName } from '../city';
import { useI18n } from '../i18n/context';
import { Link, paths, useNavigation } from '../router';

const WEST = 2.05;
const EAST = 2.23;
const SOUTH = 41.32;
const NORTH = 41.47;
const WIDTH = 640;
const SCALE = WIDTH / ((EAST - WEST) * Math.cos((41.4 * Math.PI) / 180));
const HEIGHT = Math.round((NORTH - SOUTH) * SCALE);

/** A marker's colour by where its request stands against its SLA. */
const MARKER: Readonly<Record<RequestSearchItem['sla'], string>> = {
  on_time: '#2f7d32',
  at_risk: '#c77700',
  breached: '#b3261e',
  none: '#5f6368',
};

/** Approximate centres of the ten districts, for their labels only. */
const DISTRICT_CENTRES: ReadonlyArray<readonly [string, number, number]> = [
  ['1', 41.381, 2.177],
  ['2', 41.392, 2.162],
  ['3', 41.362, 2.145],
  ['4', 41.385, 2.124],
  ['5', 41.404, 2.12],
  ['6', 41.405, 2.156],
  ['7', 41.42, 2.152],
  ['8', 41.442, 2.177],
  ['9', 41.433, 2.193],
  ['10', 41.406, 2.2],
];

/** Where a point falls in the drawing; `null` outside the city's frame. */
export function project(lat: number, lon: number): { readonly x: number; readonly y: number } | null {
  if (lat < SOUTH || lat > NORTH || lon < WEST || lon > EAST) {
    return null;
  }
  const x = ((lon - WEST) / (EAST - WEST)) * WIDTH;
  const y = (NORTH - lat) * SCALE;
  return { x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 };
}

export function SearchMap({ items }: { readonly items: readonly RequestSearchItem[] }) {
  const { t, word } = useI18n();
  const { navigate } = useNavigation();
  const placed = items.flatMap((item) => {
    const at = item.point ? project(item.point.lat, item.point.lon) : null;
    return at ? [{ item, at }] : [];
  });
  const unplaced = items.length - placed.length;
  const open = (event: MouseEvent<Element>, reference: string) => {
    event.preventDefault();
    navigate(paths.request(reference));
  };
  return (
    <section className="search-map" aria-labelledby="search-map-title">
      <h2 id="search-map-title">{t('advsearch.map.title')}</h2>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        style={{ maxWidth: `${WIDTH}px` }}
        aria-labelledby="search-map-caption"
        role="group"
      >
        <title id="search-map-caption">{t('advsearch.map.caption', { count: String(placed.length) })}</title>
        <rect x="0" y="0" width={WIDTH} height={HEIGHT} fill="#f4f1ea" stroke="#8a8578" />
        {DISTRICT_CENTRES.map(([code, lat, lon]) => {
          const at = project(lat, lon);
          return at ? (
            <text key={code} x={at.x} y={at.y} fill="#4a463d" fontSize="14" textAnchor="middle" aria-hidden="true">
              {districtName(code)}
            </text>
          ) : null;
        })}
        {placed.map(({ item, at }) => (
          <a
            key={item.reference}
            href={paths.request(item.reference)}
            aria-label={t('advsearch.map.marker', {
              reference: item.reference,
              theme: item.theme_name,
              state: word('state', item.state),
            })}
            onClick={(event) => open(event, item.reference)}
            className={`search-map-marker sla-${item.sla}`}
            data-reference={item.reference}
          >
            <circle cx={at.x} cy={at.y} r="7" fill={MARKER[item.sla]} stroke="#1b1b1b" strokeWidth="1.5" />
          </a>
        ))}
      </svg>
      <h3>{t('advsearch.map.list')}</h3>
      <ul className="search-map-list">
        {placed.map(({ item }) => (
          <li key={item.reference}>
            <Link to={paths.request(item.reference)}>{item.reference}</Link> · {item.theme_name} ·{' '}
            {districtName(item.district) ?? t('district.none')} · {word('state', item.state)}
          </li>
        ))}
      </ul>
      {unplaced > 0 && <p className="hint">{t('advsearch.map.unplaced', { count: String(unplaced) })}</p>}
    </section>
  );
}
