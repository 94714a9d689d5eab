// <AudioPlus>: the same waveform editor as <Audio> (Label Studio's older name for it).
export { default } from "./audio.js";
