// Goal: list envelopes page by keyset: total_count counts every item, list_count the page,
// next_href repeats the query with last_get_id of the last item returned, and is absent at the end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ETERNUS_PAGE_ITEMS_MAX } from './limits.ts';
import { listEnvelope, parseListQuery } from './query.ts';

test('pages of ETERNUS_PAGE_ITEMS_MAX sorted by id, followed through next_href to the end', () => {
  const items = Array.from({ length: ETERNUS_PAGE_ITEMS_MAX * 2 + 5 }, (_, i) => ({ volume_id: 3 * (ETERNUS_PAGE_ITEMS_MAX * 2 + 5 - i), name: `v${i}` }));
  let url = '/api/v1/volume?fields=name';
  const seen: number[] = [];
  for (let pages = 0; pages < 10; pages += 1) {
    const page = listEnvelope(url, 'volume', 'volume_id', items, parseListQuery(url)) as any;
    assert.equal(page.total_count, items.length);
    assert.equal(page.list_count, page.volume_list.length);
    assert.ok(page.volume_list.every((v: any) => Object.keys(v).join() === 'volume_id,name'));
    seen.push(...page.volume_list.map((v: any) => v.volume_id));
    if (!page.next_href) break;
    assert.match(page.next_href, /^\/api\/v1\/volume\?fields=name&last_get_id=\d+$/);
    url = page.next_href;
  }
  assert.equal(seen.length, items.length);
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
  assert.equal(new Set(seen).size, seen.length);
});

test('last_get_id is exclusive and replaces an earlier one', () => {
  const items = [{ job_id: 1 }, { job_id: 2 }, { job_id: 3 }];
  const page = listEnvelope('/api/v1/job?last_get_id=1', 'job', 'job_id', items, parseListQuery('/api/v1/job?last_get_id=1')) as any;
  assert.deepEqual(page.job_list, [{ job_id: 2 }, { job_id: 3 }]);
  assert.equal(page.next_href, undefined);
  assert.throws(() => parseListQuery('/api/v1/job?last_get_id=1&last_get_id=2'));
});
