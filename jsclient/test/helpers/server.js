import {spawn} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import {copyFile, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

/** The root of the signet repository. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The signet binary that `make build` writes. */
export const signetBinary = join(repoRoot, 'bin/signet');

/**
 * @typedef {object} RunningServer
 * @property {string} base the origin, such as http://127.0.0.1:41234
 * @property {number} port
 * @property {string} [password] the demo user's password, in demo mode
 * @property {() => string} output the server's stderr so far, for failure messages
 * @property {() => Promise<void>} stop
 */

/**
 * Returns a loopback TCP port that was free a moment ago.
 *
 * @returns {Promise<number>}
 */
export function freePort() {
	return new Promise((resolvePort, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolvePort(port));
		});
	});
}

/**
 * Starts `signet serve` in demo mode on a free loopback port, in cwd, and
 * returns it once /healthz responds. The demo serves player-demo/ at
 * /player/ when cwd contains that directory.
 *
 * @param {{cwd?: string}} [options]
 * @returns {Promise<RunningServer>}
 */
export async function startDemo({cwd = repoRoot} = {}) {
	return startWithRetry((port) => ['serve', '--listen', `127.0.0.1:${port}`], cwd, true);
}

/**
 * Starts `signet serve` with a configuration file written to a temporary
 * directory: a key for path-only URLs under /media/, the demo samples in
 * its media directory, a bearer token that may sign and one that may not.
 *
 * @param {{defaultLifetime?: string, maxLifetime?: string, origins?: string[]}} [options]
 * @returns {Promise<RunningServer & {token: string, viewerToken: string}>}
 */
export async function startConfigured(options = {}) {
	const dir = await mkdtemp(join(tmpdir(), 'signet-jsclient-'));
	const token = randomBytes(16).toString('hex');
	const viewerToken = randomBytes(16).toString('hex');
	await writeConfig(dir, token, viewerToken, options);
	const config = join(dir, 'signet.conf');
	const server = await startWithRetry((port) => ['serve', '--config', config, '--listen', `127.0.0.1:${port}`], dir, false);
	return {
		...server,
		token,
		viewerToken,
		stop: async () => {
			await server.stop();
			await rm(dir, {recursive: true, force: true});
		},
	};
}

/**
 * @param {string} dir
 * @param {string} token
 * @param {string} viewerToken
 * @param {{defaultLifetime?: string, maxLifetime?: string, origins?: string[]}} options
 */
async function writeConfig(dir, token, viewerToken, options) {
	await mkdir(join(dir, 'media'));
	for (const name of ['sample.mp4', 'sample.webm']) {
		await copyFile(join(repoRoot, 'demo/media', name), join(dir, 'media', name));
	}
	const sha256 = (/** @type {string} */ text) => createHash('sha256').update(text).digest('hex');
	const lines = [
		'# written by the jsclient integration tests',
		`key.jsclient.secret = ${randomBytes(32).toString('hex')}`,
		'key.jsclient.url = /media/',
		`token.player.sha256 = ${sha256(token)}`,
		'token.player.roles = ROLE_API_SECURITY_EDIT',
		`token.viewer.sha256 = ${sha256(viewerToken)}`,
		'token.viewer.roles = ROLE_USER',
		`sign.default-lifetime = ${options.defaultLifetime ?? '2h'}`,
		`sign.max-lifetime = ${options.maxLifetime ?? '24h'}`,
		'media.path = /media/',
		'media.dir = media',
	];
	if (options.origins) {
		lines.push(`cors.allowed-origins = ${options.origins.join(', ')}`);
	}
	await writeFile(join(dir, 'signet.conf'), `${lines.join('\n')}\n`, {mode: 0o600});
}

/**
 * Starts the server on a free port, trying another port when the first
 * was taken in the meantime.
 *
 * @param {(port: number) => string[]} args
 * @param {string} cwd
 * @param {boolean} demo
 */
async function startWithRetry(args, cwd, demo) {
	if (!existsSync(signetBinary)) {
		throw new Error(`${signetBinary} is missing: run make build first`);
	}
	let lastError;
	for (let attempt = 0; attempt < 3; attempt++) {
		const port = await freePort();
		try {
			return await start(args(port), cwd, port, demo);
		} catch (error) {
			lastError = error;
		}
	}
	throw lastError;
}

/**
 * @param {string[]} args
 * @param {string} cwd
 * @param {number} port
 * @param {boolean} demo
 * @returns {Promise<RunningServer>}
 */
async function start(args, cwd, port, demo) {
	const child = spawn(signetBinary, args, {cwd, stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk) => {
		stdout += chunk;
	});
	child.stderr.on('data', (chunk) => {
		stderr += chunk;
	});
	const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGTERM');
		}
		await exited;
	};
	const base = `http://127.0.0.1:${port}`;
	try {
		await waitHealthy(base, exited);
	} catch (error) {
		await stop();
		throw new Error(`signet serve did not start: ${error}\n${stderr}`);
	}
	const password = demo ? stdout.match(/^\s*password:\s+(\S+)/m)?.[1] : undefined;
	if (demo && !password) {
		await stop();
		throw new Error('signet serve printed no demo password');
	}
	return {base, port, password, output: () => stderr, stop};
}

/**
 * Polls /healthz until it responds with 200, for at most 10 seconds.
 *
 * @param {string} base
 * @param {Promise<unknown>} exited
 */
async function waitHealthy(base, exited) {
	let hasExited = false;
	exited.then(() => {
		hasExited = true;
	});
	const deadline = Date.now() + 10_000;
	while (Date.now() < deadline && !hasExited) {
		try {
			const response = await fetch(`${base}/healthz`);
			if (response.ok) {
				return;
			}
		} catch {
			// Not listening yet.
		}
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(hasExited ? 'the process exited' : 'no answer from /healthz within 10 s');
}
