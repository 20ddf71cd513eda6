/**
 * One camera or tactile image as robots and datasets hand it over, before any tensor exists:
 * interleaved RGB, row-major (HWC, like ALOHA's HDF5 and LeRobot's decoded frames), uint8.
 */
export interface ImageFrame {
  readonly height: number;
  readonly width: number;
  /** `height * width * 3` bytes. */
  readonly data: Uint8Array;
}
