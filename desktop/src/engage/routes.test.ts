import { describe, expect, it } from 'vitest';

import { readsInsights, runsCampaigns } from '../auth/roles';
import { NEIGHBOURHOODS, neighbourhoodName } from '../city';
import { paths, routeOf } from '../router';

describe('the campaign side’s routes', () => {
  it.each([
    ['/segments', { screen: 'segments' }],
    ['/segments/new', { screen: 'segment', segmentId: null }],
    ['/segments/seg_1', { screen: 'segment', segmentId: 'seg_1' }],
    ['/campaigns', { screen: 'campaigns' }],
    ['/campaigns/new', { screen: 'campaign', campaignId: null }],
    ['/campaigns/cmp_1', { screen: 'campaign', campaignId: 'cmp_1' }],
    ['/surveys', { screen: 'surveys' }],
    ['/surveys/new', { screen: 'survey', surveyId: null }],
    ['/surveys/srv_1/results', { screen: 'surveyResults', surveyId: 'srv_1' }],
    ['/surveys/new/results', { screen: 'missing' }],
    ['/insights', { screen: 'insights' }],
    ['/insights/x', { screen: 'missing' }],
    ['/campaigns/a/b', { screen: 'missing' }],
  ])('shows %s as the right screen', (path, route) => {
    expect(routeOf(path)).toEqual(route);
  });

  it('round-trips ids through their paths', () => {
    expect(routeOf(paths.segment('seg/1'))).toEqual({ screen: 'segment', segmentId: 'seg/1' });
    expect(routeOf(paths.campaign())).toEqual({ screen: 'campaign', campaignId: null });
    expect(paths.surveyResults('srv_1', 'cmp_2')).toBe('/surveys/srv_1/results?campaign=cmp_2');
  });
});

describe('who sees the campaign side', () => {
  it('gives segments and campaigns to campaign managers and administrators only', () => {
    expect(runsCampaigns({ roles: ['campaign_manager'] })).toBe(true);
    expect(runsCampaigns({ roles: ['administrator'] })).toBe(true);
    expect(runsCampaigns({ roles: ['supervisor'] })).toBe(false);
    expect(runsCampaigns({ roles: ['agent'] })).toBe(false);
  });

  it('gives insights to supervisors as well', () => {
    expect(readsInsights({ roles: ['supervisor'] })).toBe(true);
    expect(readsInsights({ roles: ['campaign_manager'] })).toBe(true);
    expect(readsInsights({ roles: ['agent'] })).toBe(false);
  });
});

describe('neighbourhoods', () => {
  it('reads the 73 neighbourhoods with their districts', () => {
    expect(NEIGHBOURHOODS).toHaveLength(73);
    expect(NEIGHBOURHOODS[0]).toEqual({ code: '1', name: 'el Raval', district: '1' });
    expect(neighbourhoodName('1')).toBe('el Raval');
    expect(NEIGHBOURHOODS.find((item) => item.code === '4')).toEqual({
      code: '4',
      name: 'Sant Pere, Santa Caterina i la Ribera',
      district: '1',
    });
    expect(neighbourhoodName('99')).toBe('99');
  });
});
