// Recent searches, remembered on this device only: the words of each search
// sent from a form marked data-recent-searches (the home page's and the
// browse page's) are kept in localStorage, newest first, each once, at most
// eight, and shown under the search box as chips that search again. Nothing
// goes to the server; "clear" forgets them. Without JavaScript (or storage)
// the list stays hidden.
(function () {
  "use strict";

  var KEY = "wangtao.recentSearches";
  var MOST = 8;
  var LONGEST = 40;  // the search box's maxlength (listings/search.py)

  // As the server reads the words: spaces folded, at most 40 characters.
  function normalize(words) {
    return String(words || "").split(/\s+/).filter(Boolean).join(" ").slice(0, LONGEST);
  }

  function load() {
    try {
      var kept = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      if (!Array.isArray(kept)) {
        return [];
      }
      return kept.filter(function (words) {
        return typeof words === "string" && words;
      }).slice(0, MOST);
    } catch (error) {
      return [];  // storage switched off, or something else kept under the key
    }
  }

  function save(list) {
    try {
      if (list.length) {
        window.localStorage.setItem(KEY, JSON.stringify(list.slice(0, MOST)));
      } else {
        window.localStorage.removeItem(KEY);
      }
    } catch (error) {
      // Full or switched off: the searches are simply not remembered.
    }
  }

  function remember(words) {
    words = normalize(words);
    if (!words) {
      return;
    }
    save([words].concat(load().filter(function (other) { return other !== words; })));
  }

  function searchUrl(form, words) {
    var url = new URL(form.getAttribute("action") || window.location.pathname,
                      window.location.href);
    url.search = "";
    url.searchParams.set("q", words);
    return url.pathname + url.search;
  }

  function show(form) {
    var box = form.querySelector("[data-recent-list]");
    if (!box) {
      return;
    }
    var list = box.querySelector("ul");
    var kept = load();
    list.textContent = "";
    kept.forEach(function (words) {
      var link = document.createElement("a");
      link.className = "btn wt-chip";
      link.href = searchUrl(form, words);
      link.textContent = words;  // text, never markup
      link.setAttribute("data-recent-words", words);
      var item = document.createElement("li");
      item.appendChild(link);
      list.appendChild(item);
    });
    box.hidden = kept.length === 0;
  }

  function showAll() {
    document.querySelectorAll("form[data-recent-searches]").forEach(show);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches("form[data-recent-searches]")) {
      return;
    }
    var box = form.querySelector("input[name=q]");
    if (box) {
      remember(box.value);
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var chip = target && target.closest("[data-recent-words]");
    if (chip) {
      remember(chip.getAttribute("data-recent-words"));  // searched again: first
      return;
    }
    var clear = target && target.closest("[data-recent-clear]");
    if (clear) {
      var form = clear.closest("form");
      save([]);
      showAll();
      // The button is gone with the list: the search box takes the focus.
      var box = form && form.querySelector("input[name=q]");
      if (box) {
        box.focus();
      }
    }
  });

  // Deferred: the page is parsed. Back to a page the browser kept: again.
  showAll();
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      showAll();
    }
  });
})();
