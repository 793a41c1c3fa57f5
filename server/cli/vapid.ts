import webpush from 'web-push';

// Prints a fresh VAPID key pair for VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY.
// Changing keys orphans every existing subscription: browsers must subscribe again.
const { publicKey, privateKey } = webpush.generateVAPIDKeys();
process.stdout.write(`VAPID_PUBLIC_KEY=${publicKey}\nVAPID_PRIVATE_KEY=${privateKey}\n`);
