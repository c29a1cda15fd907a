import { describe, expect, it } from 'vitest';

import { exportFileName, jsonBlob } from '../components/download';
import { accessFilterFrom, accessQueryOf, accessSearchOf } from './accessQuery';
import { contactOrderOf, EMPTY_CONTACT, newIdempotencyKey } from './contactOrder';

describe('the order a logged call sends', () => {
  it('sends what was typed, trimmed, and leaves out every empty field', () => {
    const order = contactOrderOf({
      ...EMPTY_CONTACT,
      givenName: ' Rosa ',
      phone: '612 000 111',
      theme: 'lighting.streetlight-off',
      description: '  Fanal apagat  ',
      address: 'Carrer de Mallorca, 200',
      district: '2',
      language: 'ca',
      requestType: 'incident',
    });
    expect(order).toEqual({
      channel: 'voice',
      theme: 'lighting.streetlight-off',
      description: 'Fanal apagat',
      given_name: 'Rosa',
      phone: '612 000 111',
      language: 'ca',
      request_type: 'incident',
      location: { address: 'Carrer de Mallorca, 200', district_code: '2' },
    });
  });

  it('files a known citizen’s request under their id, without the caller’s details', () => {
    const order = contactOrderOf({
      ...EMPTY_CONTACT,
      channel: 'in_person',
      citizenId: 'cit_A',
      phone: '612 000 111',
      theme: 't',
      description: 'd',
      responseChannel: 'sms',
    });
    expect(order).toEqual({ channel: 'in_person', citizen_id: 'cit_A', theme: 't', description: 'd', response_channel: 'sms' });
  });

  it('sends no location when no place was given', () => {
    expect(contactOrderOf({ ...EMPTY_CONTACT, theme: 't', description: 'd' })).not.toHaveProperty('location');
  });

  it('makes a new idempotency key each time, one the API takes', () => {
    const [one, two] = [newIdempotencyKey(), newIdempotencyKey()];
    expect(one).not.toBe(two);
    expect(one).toMatch(/^[A-Za-z0-9._:=+/-]{1,100}$/);
  });
});

describe('the access log’s question', () => {
  it('reads back from the address bar what it wrote, dropping what it does not know', () => {
    const filter = { citizen_id: 'cit_A', user_id: '', since: '2026-03-01', until: '' };
    expect(accessSearchOf(filter)).toBe('?citizen_id=cit_A&since=2026-03-01');
    expect(accessFilterFrom(new URLSearchParams(accessSearchOf(filter)))).toEqual(filter);
    expect(accessFilterFrom(new URLSearchParams('?since=yesterday&evil=1'))).toEqual({ citizen_id: '', user_id: '', since: '', until: '' });
  });

  it('asks for whole days on the city’s clock', () => {
    expect(accessQueryOf({ citizen_id: 'cit_A', user_id: 'u-1', since: '2026-03-01', until: '2026-07-01' })).toEqual({
      citizen_id: 'cit_A',
      user_id: 'u-1',
      since: '2026-02-28T23:00:00.000Z',
      until: '2026-07-01T21:59:59.999Z',
    });
  });

  it('names what is wrong rather than asking the API', () => {
    expect(accessQueryOf({ citizen_id: '', user_id: '', since: '2026-03-01', until: '' })).toBe('needs_someone');
    expect(accessQueryOf({ citizen_id: 'cit_A', user_id: '', since: '2026-03-02', until: '2026-03-01' })).toBe('dates_reversed');
  });
});

describe('the export file', () => {
  it('is named for the citizen and the city’s day', () => {
    expect(exportFileName('cit_01JQ8Z00000000000000000002', new Date('2026-06-30T22:30:00Z'))).toBe(
      'citizen-cit_01JQ8Z00000000000000000002-2026-07-01.json',
    );
    expect(exportFileName('../x', new Date('2026-01-05T10:00:00Z'))).toBe('citizen-___x-2026-01-05.json');
  });

  it('holds the JSON the API answered, readable', async () => {
    const blob = jsonBlob({ citizen_id: 'cit_A', requests: [] });
    expect(blob.type).toBe('application/json');
    expect(JSON.parse(await blob.text())).toEqual({ citizen_id: 'cit_A', requests: [] });
    expect(await blob.text()).toContain('\n  "citizen_id"');
  });
});
