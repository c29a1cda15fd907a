/** A timeline entry's link to a photo or file an outside app hosts: a link, never an image. */

import { useI18n } from '../i18n/context';
import { outsideLink } from './mediaLink';

export function MediaLink({ url }: { readonly url: string | null | undefined }) {
  const { t } = useI18n();
  const link = outsideLink(url);
  if (link === null) {
    return null;
  }
  return (
    <p className="timeline-media">
      <a href={link.href} target="_blank" rel="noopener noreferrer nofollow" referrerPolicy="no-referrer">
        {t('timeline.media', { host: link.host })}
      </a>
    </p>
  );
}
