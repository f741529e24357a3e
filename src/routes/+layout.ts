// A static single-page app: everything renders in the browser, where the mesh node lives.
export const ssr = false
export const prerender = false
