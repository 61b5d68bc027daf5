// The editor's review feedback: findings that scroll to their block, the Checks side panel opened when
// there is something to fix, and a warning before submitting a draft the checks found errors in.
(() => {
  const results = () => document.querySelector('[data-side-panel="checks"] [data-moderation-check-results]')
    || document.querySelector('[data-moderation-check-results]');

  function target(link) {
    const blockId = link.dataset.kepuGotoBlock;
    if (blockId) {
      const block = document.querySelector(`[data-streamfield-child][data-contentpath="${CSS.escape(blockId)}"]`);
      if (block) return block;
    }
    const field = link.dataset.kepuGotoField;
    if (field) return document.getElementById(`id_${field}`);
    return null;
  }

  function reveal(element) {
    // Open the tab and any collapsed panel or block the element sits in.
    const tab = element.closest('[role="tabpanel"]');
    if (tab && tab.hidden) document.querySelector(`[role="tab"][aria-controls="${tab.id}"]`)?.click();
    for (let node = element; node; node = node.parentElement) {
      const toggle = node.querySelector?.(':scope > [data-panel-toggle][aria-expanded="false"], :scope > div > [data-panel-toggle][aria-expanded="false"]');
      if (toggle) toggle.click();
    }
    element.scrollIntoView({ behavior: 'smooth', block: 'center' });
    element.classList.add('kepu-goto-highlight');
    setTimeout(() => element.classList.remove('kepu-goto-highlight'), 2500);
    element.querySelector('[contenteditable="true"], input:not([type="hidden"]), textarea')?.focus({ preventScroll: true });
  }

  document.addEventListener('click', (event) => {
    const link = event.target.closest('[data-kepu-goto-block], [data-kepu-goto-field]');
    if (!link) return;
    event.preventDefault();
    const element = target(link);
    if (element) reveal(element);
  });

  document.addEventListener('click', (event) => {
    const submit = event.target.closest('button[name="action-submit"]');
    const found = results();
    if (!submit || !found || Number(found.dataset.errorCount || 0) === 0) return;
    // eslint-disable-next-line no-alert
    if (!window.confirm(found.dataset.submitWarning)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function openChecksWhenThereIsSomethingToFix() {
    const found = document.querySelector('[data-side-panel="checks"] [data-moderation-check-results]');
    const verdict = found?.dataset.verdictNow;
    if (verdict !== 'errors' && verdict !== 'warnings') return;
    const panel = document.querySelector('[data-side-panel="checks"]');
    const toggle = document.querySelector('[data-side-panel-toggle="checks"]');
    if (panel && toggle && panel.hidden) toggle.click();
  }

  if (document.readyState === 'complete') openChecksWhenThereIsSomethingToFix();
  else window.addEventListener('load', openChecksWhenThereIsSomethingToFix);
})();
