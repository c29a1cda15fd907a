/** A plain table of requests, for a citizen's record. */

import type { WorklistItem } from '../api/types';
import { districtName } from '../city';
import { useI18n } from '../i18n/context';
import { Link, paths } from '../router';
import { SlaBadge, When } from './common';

export function RequestTable({ items, caption }: { readonly items: readonly WorklistItem[]; readonly caption: string }) {
  const { t, word } = useI18n();
  return (
    <table className="table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('column.reference')}</th>
          <th scope="col">{t('column.theme')}</th>
          <th scope="col">{t('column.channel')}</th>
          <th scope="col">{t('column.state')}</th>
          <th scope="col">{t('column.district')}</th>
          <th scope="col">{t('column.received')}</th>
          <th scope="col">{t('column.sla')}</th>
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
            <td>{item.theme_name}</td>
            <td>{word('channel', item.channel)}</td>
            <td>{word('state', item.state)}</td>
            <td>{districtName(item.district) ?? t('district.none')}</td>
            <td>
              <When iso={item.received_at} />
            </td>
            <td>
              <SlaBadge sla={item.sla} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
