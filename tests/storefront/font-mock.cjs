// Offline stand-in for Google Fonts, used through next/font's documented test hook
// NEXT_FONT_GOOGLE_MOCKED_RESPONSES (read by both the webpack loader and Turbopack, which
// JSON-serialises this module's exports: it must be a plain object keyed by the exact CSS URL).
// The storefront initialises `Fraunces` from next/font/google unconditionally (src/lib/fonts.ts) but only
// applies it with NEXT_PUBLIC_TYPOGRAPHY_THEME=editorial, so a placeholder face is enough. Turbopack still
// downloads the face's src URL in mock mode (a file path is "requested" too and fails), so the src points at
// the local logging proxy (gql-proxy.mjs), which serves a woff2 file from the storefront's `geist` dependency
// at /__font-mock.woff2. SF_FONT_MOCK_URL is set by run.sh.
// If the storefront adds another Google font, the build fails with "url not found"/"Missing mocked response
// for URL: …" naming the URL to add here.
const fontFile = process.env.SF_FONT_MOCK_URL || "http://127.0.0.1:18001/__font-mock.woff2";
const face = (family) => `/* latin */
@font-face {
  font-family: '${family}';
  font-style: normal;
  font-weight: 100 900;
  font-display: swap;
  src: url(${fontFile}) format('woff2');
  unicode-range: U+0000-00FF, U+0131, U+0152-0153, U+02BB-02BC, U+02C6, U+02DA, U+02DC, U+0304, U+0308, U+0329, U+2000-206F, U+20AC, U+2122, U+2191, U+2193, U+2212, U+2215, U+FEFF, U+FFFD;
}
`;
module.exports = {
	"https://fonts.googleapis.com/css2?family=Fraunces:wght@100..900&display=swap": face("Fraunces"),
};
