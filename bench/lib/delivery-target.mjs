/** Returns the autocannon target of one module's delivery: GET /api/v1/delivery with its service token. */
export function deliveryTarget(serverUrl, token) {
  return { url: `${serverUrl}/api/v1/delivery`, headers: { authorization: `Bearer ${token}` } };
}

/** Fetches one delivery and returns its raw response bytes, checking that it is a full bundle. */
export async function fetchDelivery(serverUrl, token, expectedSecrets) {
  const response = await fetch(`${serverUrl}/api/v1/delivery`, { headers: { authorization: `Bearer ${token}` } });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) {
    throw new Error(`GET /api/v1/delivery returned HTTP ${response.status}`);
  }
  const count = Object.keys(JSON.parse(bytes.toString('utf8')).secrets).length;
  if (count !== expectedSecrets) {
    throw new Error(`GET /api/v1/delivery returned ${count} secrets, expected ${expectedSecrets}`);
  }
  return bytes;
}
