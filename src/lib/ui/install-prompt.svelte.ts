/**
 * The app's own Install button: Chromium-based browsers fire `beforeinstallprompt` once Shoal is
 * installable; the event is kept (and the browser's mini-infobar suppressed) so the button can show
 * the browser's install dialog when the user asks. The button goes away once the app is installed
 * (`appinstalled`), when it runs as the installed app, or when the browser takes the offer back.
 * Browsers without the event (Safari, Firefox) never show the button: they install from their menu.
 *
 * @example
 * ```svelte
 * <script lang="ts">
 *   const install = new InstallPrompt()
 *   $effect(() => install.start())
 * </script>
 *
 * {#if install.available}<button onclick={() => install.install()}>Install</button>{/if}
 * ```
 */

/** Chromium's `beforeinstallprompt` event (not in TypeScript's DOM library). */
interface BeforeInstallPromptEvent extends Event {
  prompt: () => Promise<void>
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed', platform: string }>
}

/** Where `app.html` keeps an offer made before the app hydrated. */
declare global {
  interface Window { __shoalInstallOffer?: Event }
}

function isBeforeInstallPrompt (event: Event): event is BeforeInstallPromptEvent {
  return 'prompt' in event && typeof event.prompt === 'function' && 'userChoice' in event
}

export class InstallPrompt {
  /** The browser offers to install the app now: show the Install button. */
  available = $state(false)
  /** The app was installed from this page. */
  installed = $state(false)

  #offer: BeforeInstallPromptEvent | undefined

  /** Listens for the browser's offer; returns the function that stops listening. */
  start (): () => void {
    const controller = new AbortController()
    const { signal } = controller
    const keepOffer = (event: Event): void => {
      if (!isBeforeInstallPrompt(event)) return
      // Keep the offer for the button rather than the browser's own infobar.
      event.preventDefault()
      this.#offer = event
      this.available = !this.#runsInstalled()
    }
    const earlyOffer = window.__shoalInstallOffer
    window.__shoalInstallOffer = undefined
    if (earlyOffer !== undefined) keepOffer(earlyOffer)
    window.addEventListener('beforeinstallprompt', keepOffer, { signal })
    window.addEventListener('appinstalled', () => {
      this.#offer = undefined
      this.available = false
      this.installed = true
    }, { signal })
    return () => { controller.abort() }
  }

  /** Shows the browser's install dialog; an offer can be used once, so the button hides either way. */
  async install (): Promise<void> {
    const offer = this.#offer
    if (offer === undefined) return
    this.#offer = undefined
    this.available = false
    await offer.prompt()
    const choice = await offer.userChoice
    if (choice.outcome === 'accepted') this.installed = true
  }

  #runsInstalled (): boolean {
    return window.matchMedia('(display-mode: standalone)').matches
  }
}
