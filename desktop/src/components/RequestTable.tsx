/** A plain table of requests, for a citizen's record or a search's results. */

import type { ReactNode } from 'react';

import type { WorklistItem } from '../api/types';
import { districtName } from '../city';
import { useI18n } from '../i18n/context';
import { Link, paths } from '../router';
import { SlaBadge, When } from './common';

/** A column after the reference, which always leads the row. */
export type RequestColumn = 'theme' | 'channel' | 'state' | 'district' | 'group' | 'received' | 'sla';

const RECORD_COLUMNS: readonly RequestColumn[] = ['theme', 'channel', 'state', 'district', 'received', 'sla'];

export function RequestTable({
  items,
  caption,
  columns = RECORD_COLUMNS,
  className,
}: {
  readonly items: readonly WorklistItem[];
  readonly caption: string;
  readonly columns?: readonly RequestColumn[];
  readonly className?: string;
}) {
  const { t, word } = useI18n();
  const heading: Record<RequestColumn, string> = {
    theme: t('column.theme'),
    channel: t('column.channel'),
    state: t('column.state'),
    district: t('column.district'),
    group: t('advsearch.column.group'),
    received: t('column.received'),
    sla: t('column.sla'),
  };
  const cell = (item: WorklistItem, column: RequestColumn): ReactNode => {
    switch (column) {
      case 'theme':
        return item.theme_name;
      case 'channel':
        return word('channel', item.channel);
      case 'state':
        return word('state', item.state);
      case 'district':
        return districtName(item.district) ?? t('district.none');
      case 'group':
        return item.group;
      case 'received':
        return <When iso={item.received_at} />;
      case 'sla':
        return <SlaBadge sla={item.sla} />;
    }
  };
  return (
    <table className={className === undefined ? 'table' : `table ${className}`}>
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('column.reference')}</th>
          {columns.map((column) => (
            <th key={column} scope="col">
              {heading[column]}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.reference}>
            <th scope="row">
              <Link to={paths.request(item.reference)} className="reference">
                {item.reference}
              </Link>
            </th>
            {columns.map((column) => (
              <td key={column}>{cell(item, column)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
