// The empty worker: answers every request with the same small JSON, touching nothing else.
const body = '{"message":"success","success":true,"data":{}}';
export default {
  fetch() {
    return new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
  },
};
