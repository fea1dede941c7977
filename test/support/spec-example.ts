// The two events of the spec's curl example (spec/events-api.md), as the body a client sends.
export const specExample = JSON.stringify([
  {
    message: 'This is an example log event',
    error: "TypeError: Cannot read property 'something' of undefined",
    requestId: '6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1',
    namespace: 'https://api.domain.com/resource/{id}',
  },
  { message: 'This is another example log event', requestId: '6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1', data: { userId: '01HBRCB38K2K4V5SDR7YC1D0ZB' }, duration: 127 },
])
