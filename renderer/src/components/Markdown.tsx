import { memo } from 'react';
import ReactMarkdown, { type Components, type UrlTransform } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import type { PluggableList } from 'unified';

/**
 * Markdown from untrusted sources (prompts, model outputs, think-aloud steps, guidelines).
 *
 * - Raw HTML never becomes markup: `<script>`, `<img onerror>`, `<svg onload>`, `<style>`,
 *   `<iframe>` are shown as the literal text they are (a reviewer must see what the model wrote, not
 *   lose it silently); `skipHtml` stays on as a second guard. Markdown itself cannot produce
 *   attributes like `style` or `on*`.
 * - Links keep only http(s) and mailto targets; anything else (javascript:, data:, relative paths,
 *   #anchors that would navigate the app) is shown as its text.
 * - Images are never loaded: they render as their alt text. Nothing in content may fetch a remote
 *   resource.
 * - GitHub-flavoured markdown (tables, task lists, strikethrough, autolinks, footnotes), because
 *   that is what models write; a single `~` stays literal (it is "about" in "~5 ms", not a strike).
 *   Footnote links are #anchors, so they show as text like any other non-http link.
 * - Links open outside the app: `target="_blank"` with `rel="noreferrer noopener"` (Electron denies
 *   window.open and navigation for the app window, so a click there opens nothing inside the app).
 */

interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
  data?: { hProperties?: Record<string, unknown> };
}

const BLOCK_PARENTS = new Set(['root', 'blockquote', 'listItem', 'footnoteDefinition']);

/** remark plugin: raw HTML becomes text (a block of it becomes a pre-wrapped paragraph). */
function rawHtmlAsText() {
  const walk = (node: MdNode) => {
    const children = node.children;
    if (!children) return;
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      if (child.type === 'html') {
        const text: MdNode = { type: 'text', value: child.value ?? '' };
        children[i] = BLOCK_PARENTS.has(node.type) ? { type: 'paragraph', children: [text], data: { hProperties: { className: ['md-raw-html'] } } } : text;
      } else {
        walk(child);
      }
    }
  };
  return (tree: MdNode) => walk(tree);
}

// GFM parses first; raw HTML is then turned to text wherever it ended up (table cells included).
const remarkPlugins: PluggableList = [[remarkGfm, { singleTilde: false }], rawHtmlAsText];

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

/** True for an address a link may point at: http(s) or mailto, nothing else. */
export function isSafeHref(url: string | null | undefined): url is string {
  return typeof url === 'string' && SAFE_LINK.test(url.trim());
}

// Runs before the components: unsafe hrefs and every src become empty, so nothing can load even if
// an element slipped past the overrides below.
const urlTransform: UrlTransform = (url, key) => {
  if (key === 'href') return isSafeHref(url) ? url.trim() : '';
  return '';
};

const components: Components = {
  a({ href, children, title }) {
    if (!isSafeHref(href)) return <span className="md-unsafe-link">{children}</span>;
    return (
      <a href={href} title={title} target="_blank" rel="noreferrer noopener">
        {children}
      </a>
    );
  },
  // Never an <img>: `src` is emptied by urlTransform anyway; show what the image was meant to be.
  img({ alt }) {
    return (
      <span className="md-image" title="Images in content are not loaded">
        [image{alt ? `: ${alt}` : ''}]
      </span>
    );
  },
};

function MarkdownImpl({ source, className }: { source: string; className?: string }) {
  return (
    <div className={`markdown${className ? ` ${className}` : ''}`}>
      <ReactMarkdown skipHtml remarkPlugins={remarkPlugins} urlTransform={urlTransform} components={components}>
        {source}
      </ReactMarkdown>
    </div>
  );
}

/** Safe markdown: no raw HTML, links only http(s)/mailto, images shown as their alt text. */
export const Markdown = memo(MarkdownImpl);
