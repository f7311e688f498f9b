/**
 * Calls `onFrame` once, when the video first presents a frame: requestVideoFrameCallback
 * (WICG video-rvfc) where available, else the first `playing`/`timeupdate` with currentTime > 0.
 * Returns a function that cancels the watch.
 */
export function watchFirstFrame(video: HTMLVideoElement, onFrame: () => void): () => void {
  if (typeof video.requestVideoFrameCallback === 'function') {
    let pending = true;
    const handle = video.requestVideoFrameCallback(() => {
      pending = false;
      onFrame();
    });
    return () => {
      if (pending) video.cancelVideoFrameCallback(handle);
      pending = false;
    };
  }
  const stop = (): void => {
    video.removeEventListener('timeupdate', onProgress);
    video.removeEventListener('playing', onProgress);
  };
  const onProgress = (): void => {
    if (video.currentTime <= 0) return;
    stop();
    onFrame();
  };
  video.addEventListener('timeupdate', onProgress);
  video.addEventListener('playing', onProgress);
  return stop;
}
