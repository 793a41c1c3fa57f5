/**
 * A CometChat group's members, from CometChat's REST API (`GET
 * /v3/groups/{guid}/members`, header `apikey`; paginated through
 * `meta.pagination`). Webhooks' group `call_initiated` names only the group,
 * so this is how each member gets rung without the Push Notifications
 * extension. Configured with COMETCHAT_APP_ID, COMETCHAT_REGION and
 * COMETCHAT_REST_API_KEY.
 */
const PER_PAGE = 100;
/** A call to a group this large is not rung member by member (CometChat's own default-call docs cap ringing groups far below). */
const MAX_PAGES = 10;
const TIMEOUT_MS = 5_000;

export interface CometChatRestConfig {
  appId: string;
  region: string;
  apiKey: string;
  /** the REST API's base URL; CometChat's own unless a test or a dedicated deployment says otherwise */
  baseUrl?: string | undefined;
}

export type ListGroupMembers = (guid: string) => Promise<string[]>;

export function restBaseUrl(c: CometChatRestConfig): string {
  return c.baseUrl ?? `https://${c.appId}.api-${c.region}.cometchat.io/v3`;
}

export function groupMembersLister(config: CometChatRestConfig, fetchImpl: typeof fetch = fetch): ListGroupMembers {
  return async (guid) => {
    const uids: string[] = [];
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      const url = `${restBaseUrl(config)}/groups/${encodeURIComponent(guid)}/members?perPage=${PER_PAGE}&page=${page}`;
      const res = await fetchImpl(url, {
        headers: { apikey: config.apiKey, appid: config.appId, accept: 'application/json' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`CometChat's REST API answered HTTP ${res.status} listing the members of ${guid}`);
      const body = (await res.json()) as { data?: { uid?: unknown }[]; meta?: { pagination?: { total_pages?: unknown } } };
      for (const member of body.data ?? []) if (typeof member.uid === 'string' && member.uid) uids.push(member.uid);
      const pages = Number(body.meta?.pagination?.total_pages ?? page);
      if (page >= pages) break;
    }
    return uids;
  };
}
