// blogen's search page: reads the index beside it (index.json, t/<shard>.json, d/<doc>.json; see
// blogen/render/search.py), fetching only the shards a query's words are in and the results shown.
(() => {
  "use strict";
  const form = document.querySelector("form[data-search]");
  const status = document.querySelector("[data-search-status]");
  const list = document.querySelector("[data-search-results]");
  if (!form || !status || !list || !window.fetch) return;
  const input = form.elements.q;
  const PAGE = 10, MAX_BYTES = 64;
  const encoder = new TextEncoder();
  const loaded = new Map();
  let shown = 0, ranked = [], words = [], run = 0, timer = 0, more = null;

  // The index's words: lower case, NFKD without non-spacing marks, letters, digits, spacing marks and "_".
  const split = (text) =>
    text.toLowerCase().normalize("NFKD").replace(/\p{Mn}/gu, "").toLowerCase().match(/[\p{L}\p{N}\p{Mc}\p{Me}_]+/gu) || [];
  const chars = (word) => Array.from(word).length;
  const ascii = /^[\x00-\x7f]*$/;
  const shardOf = (word, shards) => {
    let h = 0x811c9dc5;
    for (const ch of Array.from(word).slice(0, 3)) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
    return h % shards;
  };
  const load = (path) => {
    if (!loaded.has(path)) {
      loaded.set(path, fetch(new URL(path, form.action)).then((r) => {
        if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
        return r.json();
      }).catch((e) => { loaded.delete(path); throw e; }));
    }
    return loaded.get(path);
  };
  // A term matches a query word when it is the word, or (for words of three or more characters) starts with it.
  const matches = (term, word) => term === word || (chars(word) >= 3 && term.startsWith(word));

  async function rank(query) {
    const meta = await load("index.json");
    const shards = meta.shards.length, total = meta.docs.length;
    words = [...new Set(split(query))];
    if (!words.length || words.some((w) => encoder.encode(w).length > MAX_BYTES)) return [];
    const tables = await Promise.all(words.map((w) => {
      const k = shardOf(w, shards);
      return load(`t/${k.toString(16)}.json?v=${meta.shards[k]}`);
    }));
    let scores = null;
    words.forEach((word, i) => {
      // A shard is [doc, "term weight term weight ...", doc, ...]: gather each matching term's postings.
      const postings = new Map();
      const table = tables[i];
      for (let d = 0; d < table.length; d += 2) {
        const pairs = table[d + 1].split(" ");
        for (let p = 0; p < pairs.length; p += 2) {
          if (!matches(pairs[p], word)) continue;
          if (!postings.has(pairs[p])) postings.set(pairs[p], []);
          postings.get(pairs[p]).push(table[d], +pairs[p + 1]);
        }
      }
      const best = new Map();
      for (const [term, found] of postings) {
        const idf = Math.log(1 + total / (found.length / 2)) * (term === word ? 1 : 0.7);
        for (let j = 0; j < found.length; j += 2) {
          const score = idf * found[j + 1];  // the weight is already logarithmic (see searchwords.py)
          if (!(best.get(found[j]) >= score)) best.set(found[j], score);
        }
      }
      if (scores === null) scores = best;
      else scores = new Map([...best].filter(([d]) => scores.has(d)).map(([d, s]) => [d, s + scores.get(d)]));
    });
    return [...scores].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([d]) => meta.docs[d]);
  }

  const element = (name, text) => {
    const e = document.createElement(name);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  // The text with every word that matches the query marked: a run of about 30 words around the most matches.
  function excerpt(text, limit) {
    const tokens = [];
    for (const m of text.matchAll(/[\p{L}\p{N}\p{M}_]+/gu)) {
      const norm = ascii.test(m[0]) ? m[0].toLowerCase() : split(m[0]).join("");
      tokens.push([m.index, m.index + m[0].length, words.some((w) => matches(norm, w))]);
    }
    let start = 0, best = -1;
    tokens.forEach((t, i) => {
      if (!t[2]) return;
      const seen = tokens.slice(i, i + limit).filter((u) => u[2]).length;
      if (seen > best) { best = seen; start = Math.max(0, i - 6); }
    });
    const end = Math.min(tokens.length, start + limit);
    const nodes = [];
    if (!tokens.length) return nodes;
    let at = tokens[start][0];
    if (start > 0) nodes.push("… ");
    for (const [from, to, hit] of tokens.slice(start, end)) {
      if (!hit) continue;
      nodes.push(text.slice(at, from), element("mark", text.slice(from, to)));
      at = to;
    }
    nodes.push(text.slice(at, end < tokens.length ? tokens[end - 1][1] : text.length));
    if (end < tokens.length) nodes.push(" …");
    return nodes;
  }

  function item(doc) {
    const li = element("li"), heading = element("h2"), link = element("a", doc.title);
    link.href = new URL(doc.url, form.action).href;
    heading.append(link);
    li.append(heading);
    if (doc.date) {
      const meta = element("p"), time = element("time", doc.date);
      meta.className = "meta";
      time.dateTime = doc.datetime;
      meta.append(time);
      li.append(meta);
    }
    const p = element("p");
    p.append(...excerpt(doc.text, 30));
    li.append(p);
    return li;
  }

  async function showMore(mine) {
    const docs = await Promise.all(ranked.slice(shown, shown + PAGE).map((id) => load(`d/${id}.json`)));
    if (mine !== run) return;
    const first = shown;
    for (const doc of docs) list.append(item(doc));
    shown += docs.length;
    if (more) more.remove();
    more = null;
    if (shown < ranked.length) {
      const button = element("button", "Show more results");
      button.type = "button";
      button.addEventListener("click", () => showMore(run).then(() => list.querySelectorAll("h2 a")[first + PAGE]?.focus(), fail));
      more = element("p");
      more.append(button);
      list.after(more);
    }
  }

  function fail(error) {
    status.textContent = `The search index could not be loaded (${error.message}).`;
  }

  async function search() {
    const mine = ++run, query = input.value.trim();
    const url = new URL(location.href);
    if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
    history.replaceState(null, "", url);
    list.replaceChildren();
    if (more) more.remove();
    more = null;
    shown = 0;
    ranked = [];
    if (!query) { status.textContent = ""; return; }
    try {
      const found = await rank(query);
      if (mine !== run) return;
      ranked = found;
      await showMore(mine);
      if (mine !== run) return;
      const n = ranked.length;
      status.textContent = n ? `${n} ${n === 1 ? "note matches" : "notes match"} “${query}”.` : `No notes match “${query}”.`;
    } catch (error) {
      if (mine === run) fail(error);
    }
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); clearTimeout(timer); search(); });
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 150); });
  // Arrow keys move between the search field and the results; Enter follows a result.
  form.parentElement.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const links = [...list.querySelectorAll("h2 a")];
    const i = links.indexOf(document.activeElement);
    let next = null;
    if (e.target === input) next = e.key === "ArrowDown" ? links[0] : null;
    else if (i >= 0) next = e.key === "ArrowDown" ? links[i + 1] || more?.querySelector("button") : links[i - 1] || input;
    else if (more && more.contains(e.target) && e.key === "ArrowUp") next = links[links.length - 1];
    if (next) { e.preventDefault(); next.focus(); }
  });
  const query = new URLSearchParams(location.search).get("q");
  if (query) { input.value = query; search(); }
})();
