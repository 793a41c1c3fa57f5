import { useInstallOffer } from './install-prompt';

/** "Install app", shown only while the browser offers installing (Chromium's beforeinstallprompt). */
export function InstallButton({ class: className = 'install-button' }: { class?: string }) {
  const offer = useInstallOffer();
  if (!offer.available) return null;
  return (
    <button type="button" class={className} onClick={() => void offer.install()}>
      Install app
    </button>
  );
}
