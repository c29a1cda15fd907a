/** A request's files: the list the request holds, with a way to open each, and the form that adds one. */

import { type ChangeEvent, type SyntheticEvent, useId, useRef, useState } from 'react';

import { ApiError } from '../api/client';
import { contentTypeOf, fileProblem, UPLOAD_ACCEPT, UPLOAD_MAX_BYTES, uploadName } from '../api/files';
import type { Attachment } from '../api/types';
import { uploadFile } from '../api/upload';
import { ErrorNotice } from '../components/common';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { errorMessage } from '../i18n/messages';
import { useLockGuard } from './LockBanner';
import type { ActionProps } from './RequestActions';

/** The codes an upload can fail with, and what the form says of each. */
const UPLOAD_EXPLAINED = {
  upload_refused: 'error.upload_refused',
  upload_expired: 'error.upload_expired',
  upload_size: 'error.upload_size',
} as const;

/** The codes opening a file can fail with, and what the list says of each. */
const OPEN_EXPLAINED = {
  upload_incomplete: 'files.open.incomplete',
  not_found: 'files.open.missing',
} as const;

/**
 * Have the browser fetch `url` as a download. The bucket's answer carries
 * `Content-Disposition: attachment`, so the desktop stays where it is; `download` names
 * the file where the link is same-origin (browsers ignore it across origins).
 */
export function followDownload(url: string, filename: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}

interface OpenFailure {
  readonly name: string;
  readonly error: unknown;
}

export function AttachmentList({ reference, items }: { readonly reference: string; readonly items: readonly Attachment[] }) {
  const { api } = useDesk();
  const { t, bytes, language } = useI18n();
  const [opening, setOpening] = useState<string | null>(null);
  const [failure, setFailure] = useState<OpenFailure | null>(null);
  if (items.length === 0) {
    return <p className="empty">{t('files.empty')}</p>;
  }

  const openFile = async (item: Attachment) => {
    setFailure(null);
    setOpening(item.attachment_id);
    try {
      const link = await api.attachmentLink(reference, item.attachment_id);
      followDownload(link.url, link.filename);
    } catch (error) {
      setFailure({ name: item.filename, error });
    } finally {
      setOpening(null);
    }
  };

  const explained = (error: unknown): string => {
    const own = error instanceof ApiError && error.code in OPEN_EXPLAINED ? OPEN_EXPLAINED[error.code as keyof typeof OPEN_EXPLAINED] : null;
    return own ? t(own) : errorMessage(language, error);
  };

  return (
    <>
      {failure && (
        <div className="notice notice-error" role="alert">
          <p>
            {t('files.open.failed', { name: failure.name })} {explained(failure.error)}
          </p>
        </div>
      )}
      <table className="table">
        <caption className="visually-hidden">{t('detail.files')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('column.file')}</th>
            <th scope="col">{t('column.type')}</th>
            <th scope="col">{t('column.size')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('files.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.key}>
              <th scope="row" className="file-name">
                {item.filename}{' '}
                {item.uploaded === false && <span className="badge badge-warn">{t('files.notUploaded')}</span>}
              </th>
              <td>{item.content_type}</td>
              <td>{bytes(item.size)}</td>
              <td>
                <button
                  type="button"
                  className="button-secondary"
                  aria-label={t('files.openNamed', { name: item.filename })}
                  disabled={opening !== null}
                  onClick={() => void openFile(item)}
                >
                  {t('files.open')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

type Step = 'idle' | 'granting' | 'uploading';

export function AttachmentForm({ request, onDone }: ActionProps) {
  const { api } = useDesk();
  const { t, bytes } = useI18n();
  const picker = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [step, setStep] = useState<Step>('idle');
  const [error, setError] = useState<unknown>(null);
  const [listed, setListed] = useState(false);
  const lock = useLockGuard(error);
  const problem = file ? fileProblem(file) : null;

  const pick = (event: ChangeEvent<HTMLInputElement>) => {
    setFile(event.target.files?.[0] ?? null);
    setError(null);
    setListed(false);
  };

  const send = async (chosen: File) => {
    const filename = uploadName(chosen.name);
    setError(null);
    setListed(false);
    setStep('granting');
    try {
      const grant = await api.attach(request.reference, {
        filename,
        content_type: contentTypeOf(chosen),
        size: chosen.size,
      });
      setStep('uploading');
      try {
        await uploadFile(grant.upload, chosen, filename);
      } catch (failure) {
        setListed(true);
        throw failure;
      }
      setFile(null);
      if (picker.current) {
        picker.current.value = '';
      }
      onDone(t('files.done', { name: filename }));
    } catch (failure) {
      setError(failure);
    } finally {
      setStep('idle');
    }
  };

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (file && problem === null && step === 'idle' && !lock.disabled) {
      void send(file);
    }
  };

  const problemText =
    problem === 'too_large' && file
      ? t('files.problem.too_large', { size: bytes(file.size), max: bytes(UPLOAD_MAX_BYTES) })
      : problem
        ? t(`files.problem.${problem}`)
        : '';
  const busy = step !== 'idle';
  return (
    <form className="card action" aria-labelledby="files-form-title" onSubmit={submit}>
      <h3 id="files-form-title">{t('files.add')}</h3>
      {error !== null && <ErrorNotice error={error} explain={UPLOAD_EXPLAINED} />}
      {error instanceof ApiError && listed && <p className="hint">{t('files.notStored')}</p>}
      <div className="field">
        <label htmlFor="files-pick">{t('files.pick')}</label>
        <input
          ref={picker}
          id="files-pick"
          type="file"
          accept={UPLOAD_ACCEPT}
          onChange={pick}
          aria-describedby={`${hintId} files-problem`}
          aria-invalid={problem !== null}
          required
        />
        <span id={hintId} className="hint">
          {t('files.limits', { size: bytes(UPLOAD_MAX_BYTES) })}
        </span>
        <span id="files-problem" className="field-problem" role="alert">
          {problemText}
        </span>
      </div>
      <button type="submit" disabled={busy || problem !== null || lock.disabled} aria-describedby={lock.describedBy}>
        {step === 'uploading' ? t('files.uploading') : busy ? t('action.working') : t('files.submit')}
      </button>
    </form>
  );
}
