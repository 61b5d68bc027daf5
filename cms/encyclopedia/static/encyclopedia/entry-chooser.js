// Search-as-you-type choice of encyclopedia entries (a Stimulus controller on Wagtail's own application).
(() => {
  const { Controller } = window.StimulusModule;

  class EntryChooserController extends Controller {
    static targets = ['input', 'results', 'chosen'];
    static values = { url: String, name: String, removeLabel: String, noneLabel: String };

    connect() {
      this.timer = null;
      this.request = 0;
      this.active = -1;
    }

    search() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.fetchResults(this.inputTarget.value.trim()), 200);
    }

    async fetchResults(query) {
      const request = ++this.request;
      if (!query) {
        this.close();
        return;
      }
      const response = await fetch(`${this.urlValue}?q=${encodeURIComponent(query)}`, {
        headers: { Accept: 'application/json' }, credentials: 'same-origin',
      });
      if (!response.ok || request !== this.request) return;
      const { results } = await response.json();
      this.show(results);
    }

    chosenIds() {
      return new Set([...this.chosenTarget.querySelectorAll('li[data-entry-id]')].map((li) => li.dataset.entryId));
    }

    show(results) {
      const chosen = this.chosenIds();
      this.resultsTarget.replaceChildren();
      this.active = -1;
      const fresh = results.filter((entry) => !chosen.has(String(entry.id)));
      if (!fresh.length) {
        const none = document.createElement('li');
        none.className = 'kepu-entry-chooser__none';
        none.textContent = this.noneLabelValue;
        this.resultsTarget.append(none);
      }
      fresh.forEach((entry, index) => {
        const item = document.createElement('li');
        item.setAttribute('role', 'option');
        item.id = `${this.inputTarget.id}-option-${index}`;
        item.dataset.entry = JSON.stringify(entry);
        const title = document.createElement('strong');
        title.textContent = entry.title;
        const meta = document.createElement('small');
        meta.textContent = [entry.codes, entry.language, entry.summary].filter(Boolean).join(' · ');
        item.append(title, meta);
        item.addEventListener('mousedown', (event) => {
          event.preventDefault();
          this.choose(entry);
        });
        this.resultsTarget.append(item);
      });
      this.resultsTarget.hidden = false;
      this.inputTarget.setAttribute('aria-expanded', 'true');
    }

    close() {
      this.resultsTarget.hidden = true;
      this.resultsTarget.replaceChildren();
      this.inputTarget.setAttribute('aria-expanded', 'false');
      this.inputTarget.removeAttribute('aria-activedescendant');
    }

    choose(entry) {
      if (!this.chosenIds().has(String(entry.id))) {
        const item = document.createElement('li');
        item.dataset.entryId = entry.id;
        const hidden = document.createElement('input');
        hidden.type = 'hidden';
        hidden.name = this.nameValue;
        hidden.value = entry.id;
        const title = document.createElement('span');
        title.className = 'kepu-entry-chooser__title';
        title.textContent = entry.title;
        item.append(hidden, title);
        [entry.codes, entry.language].filter(Boolean).forEach((text) => {
          const meta = document.createElement('span');
          meta.className = 'kepu-entry-chooser__meta';
          meta.textContent = text;
          item.append(meta);
        });
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'button button-small button-secondary';
        remove.dataset.action = 'kepu-entry-chooser#remove';
        remove.textContent = this.removeLabelValue;
        item.append(remove);
        this.chosenTarget.append(item);
        this.changed();
      }
      this.inputTarget.value = '';
      this.close();
      this.inputTarget.focus();
    }

    remove(event) {
      event.target.closest('li').remove();
      this.changed();
    }

    key(event) {
      const options = [...this.resultsTarget.querySelectorAll('[role="option"]')];
      if (event.key === 'Escape') {
        this.close();
      } else if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && options.length) {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        this.active = (this.active + step + options.length) % options.length;
        options.forEach((option, index) => option.setAttribute('aria-selected', String(index === this.active)));
        this.inputTarget.setAttribute('aria-activedescendant', options[this.active].id);
      } else if (event.key === 'Enter') {
        event.preventDefault(); // never submit the page form from the search box
        if (this.active >= 0 && options[this.active]) this.choose(JSON.parse(options[this.active].dataset.entry));
      }
    }

    changed() {
      // Wagtail's "unsaved changes" warning listens for form changes.
      this.element.dispatchEvent(new Event('change', { bubbles: true }));
    }
  }

  window.wagtail.app.register('kepu-entry-chooser', EntryChooserController);
})();
